import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, of } from 'rxjs';
import { presentedApiKey } from '../common/api-key';
import { RequestValidationError, toProblem } from '../common/problem';
import { ContextRequest, IdempotencyTicket } from '../common/request-context.decorator';
import { requestIdOf } from '../common/request-id';
import { Environment } from '../config/environment';
import { parseIdempotencyKey, requestFingerprint, sha256 } from './idempotency-key';
import { IdempotencyService } from './idempotency.service';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

type IdempotentRequest = ContextRequest & {
  method: string;
  body?: unknown;
  params?: Record<string, string | undefined>;
};

/** The route a handler serves, e.g. /records/:id/process. */
function routeTemplate(context: ExecutionContext): string {
  const parts = [context.getClass(), context.getHandler()].map(
    (target) => (Reflect.getMetadata(PATH_METADATA, target) as string | undefined) ?? '',
  );
  return `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;
}

/**
 * Idempotent POSTs (after the IETF httpapi draft and Stripe): the first request
 * with a key runs and its response is stored as the exact text sent; a repeat
 * replays those bytes with Idempotent-Replayed: true. 5xx answers are never stored.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly keysConfigured: boolean;

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly adapterHost: HttpAdapterHost,
    config: ConfigService<Environment, true>,
  ) {
    this.keysConfigured = config.get('API_KEYS', { infer: true }).length > 0;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<IdempotentRequest>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof header !== 'string') return next.handle();

    const key = parseIdempotencyKey(header);
    if (key === undefined) {
      throw new RequestValidationError([
        {
          field: IDEMPOTENCY_KEY_HEADER,
          message:
            'Idempotency-Key must be 1-255 printable ASCII characters, bare or as a quoted string',
        },
      ]);
    }
    const { httpAdapter } = this.adapterHost;
    const response = http.getResponse<unknown>();
    // The matched route with its ids normalised (UUIDs are case-insensitive), so
    // /records/, /Records or an upper-case id name the same resource.
    const path = routeTemplate(context).replace(/:(\w+)/g, (_, name: string) =>
      String(request.params?.[name] ?? '').toLowerCase(),
    );
    // Keys are scoped to the API key that sent them (when keys are configured), the method and the path.
    const client = this.keysConfigured ? (presentedApiKey(request.headers) ?? '') : '';
    const scope = `${sha256(client).slice(0, 32)} POST ${path}`;
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ?? 201;
    const sendJson = (text: string) => {
      httpAdapter.setHeader(response, 'Content-Type', 'application/json; charset=utf-8');
      return text;
    };

    return from(
      this.idempotency.claim(scope, key, requestFingerprint('POST', path, request.body)),
    ).pipe(
      mergeMap((outcome) => {
        if (outcome.kind === 'replay') {
          httpAdapter.status(response, outcome.status);
          httpAdapter.setHeader(response, REPLAYED_HEADER, 'true');
          if (outcome.status >= 400) {
            // A stored error is replayed as stored, except that its request_id names this
            // request (as the X-Request-ID header and the logs do).
            const body = JSON.parse(outcome.body) as object;
            httpAdapter.setHeader(response, 'Content-Type', 'application/problem+json');
            return of(JSON.stringify({ ...body, request_id: requestIdOf(request) }));
          }
          const id = (JSON.parse(outcome.body) as { id?: unknown }).id;
          if (outcome.status === 201 && typeof id === 'string') {
            httpAdapter.setHeader(response, 'Location', `${path}/${id}`);
          }
          return of(sendJson(outcome.body));
        }
        const { claim } = outcome;
        let sent: string | undefined;
        const ticket: IdempotencyTicket = {
          get saved() {
            return sent !== undefined;
          },
          save: async (tx, body) => {
            const text = JSON.stringify(body);
            await this.idempotency.complete(claim, status, text, tx);
            sent = text;
          },
        };
        request.idempotency = ticket;
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            if (!ticket.saved) {
              const text = JSON.stringify(body);
              await this.idempotency.complete(claim, status, text);
              sent = text;
            }
            // What was stored is what is sent: a replay then sends the same bytes.
            return sendJson(sent!);
          }),
          catchError(async (error: unknown) => {
            const problem = toProblem(error, path, requestIdOf(request));
            const store =
              problem.status >= 500
                ? this.idempotency.release(claim)
                : this.idempotency.complete(claim, problem.status, JSON.stringify(problem.body));
            // The original error is what the client must see; storing is best effort.
            await store.catch(() => undefined);
            throw error;
          }),
        );
      }),
    );
  }
}
