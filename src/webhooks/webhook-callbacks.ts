import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * The POST every subscribed endpoint receives, as a callback of `POST /webhooks`
 * (OpenAPI 3.0's way to say it; this document is 3.0, which has no `webhooks` section):
 * the WebhookEventBody schema, with the Standard Webhooks headers.
 */
export function describeWebhookCallbacks(document: OpenAPIObject): void {
  const operation = document.paths['/webhooks']?.post;
  if (!operation) return;
  const header = (name: string, description: string, pattern: string) => ({
    name,
    in: 'header' as const,
    required: true,
    description,
    schema: { type: 'string' as const, pattern },
  });
  operation.callbacks = {
    recordEvent: {
      '{$request.body#/url}': {
        post: {
          summary: 'A record event, sent to every enabled endpoint subscribed to its type',
          // Authenticated by its signature (the headers below), not by an API key.
          security: [],
          description:
            'At least once, in no guaranteed order; retried after WEBHOOK_RETRY_DELAYS until a 2xx (a 410 disables the endpoint). Verify it with the endpoint secret, e.g. with the `standardwebhooks` library.',
          parameters: [
            header(
              'webhook-id',
              'The event id: the same on every attempt and redelivery (deduplicate on it).',
              '^evt_[0-9a-f]{32}$',
            ),
            header('webhook-timestamp', 'Unix seconds of this attempt.', '^[0-9]+$'),
            header(
              'webhook-signature',
              'Space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`, one per valid secret (two for 24 hours after a rotation).',
              '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$',
            ),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/WebhookEventBody' } },
            },
          },
          responses: {
            '2XX': { description: 'Delivered.' },
            '410': { description: 'Gone: the endpoint is disabled.' },
            default: { description: 'Not delivered: tried again later.' },
          },
        },
      },
    },
  };
}
