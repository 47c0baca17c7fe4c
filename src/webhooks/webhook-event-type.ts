/** What an endpoint can subscribe to: one event type per kind of record change. */
export const WEBHOOK_EVENT_TYPES = [
  'record.created',
  'record.processed',
  'record.failed',
  'record.retried',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A delivery's state: pending (due, or waiting for its next attempt), then succeeded or failed. */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
