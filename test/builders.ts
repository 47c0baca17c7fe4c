/** A valid POST /records body; override any part. */
export function aRecordBody(
  overrides: Partial<{ source: unknown; category: unknown; payload: unknown }> = {},
) {
  return {
    source: 'api',
    category: 'order',
    payload: { order_id: '12345', amount: 99.99 },
    ...overrides,
  };
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const GENERATED_REQUEST_ID = /^req_[A-Za-z0-9_-]{16,}$/;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** The contract's error body (also RFC 9457), for whole-body assertions. */
export function problem(
  status: number,
  error: string,
  message: string,
  instance: string,
  type: string,
) {
  return {
    type: `/problems/${type}`,
    title: expect.any(String),
    status,
    detail: message,
    instance,
    error,
    message,
    request_id: expect.stringMatching(/^.{1,128}$/),
  };
}
