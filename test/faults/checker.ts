import { Exchange } from './exchange';
import { PrivatePostgres } from './private-postgres';

export interface Window {
  from: number;
  to: number;
}

export interface CheckInput {
  db: PrivatePostgres;
  exchanges: Exchange[];
  /** When the database was unavailable (or the pool exhausted): 503s are expected then. */
  outages?: Window[];
  /** An instance killed or frozen on purpose: its unanswered requests in the window are excused. */
  excused?: (Window & { target: string })[];
}

/** What the checker found; every list must be empty. */
export interface Verdict {
  requests: number;
  acknowledged: number;
  /** Answered 201, not in the database. */
  lost: string[];
  /** Answered 200 to process, still pending in the database. */
  answeredProcessedButPending: string[];
  /** Answered 200 to process, but no exit-from-pending event carries that request's id. */
  processedWithoutEvent: string[];
  /** (record, attempt) pairs with more than one exit from pending. */
  doubleProcessed: { record_id: string; attempt: number; exits: number }[];
  /** Idempotency keys whose stored 201 names no record (null: no such table yet). */
  danglingIdempotencyKeys: string[] | null;
  /** 5xx other than a 503 problem with Retry-After. */
  serverErrors: Exchange[];
  unavailable: number;
  /** Not answered within the client's bound, by an instance that was neither killed nor frozen. */
  hangs: Exchange[];
  /** No HTTP answer at all from an instance that was neither killed nor frozen. */
  dropped: Exchange[];
  longestOutageWaitMs: number;
}

const overlaps = (exchange: Exchange, window: Window) =>
  exchange.start <= window.to && exchange.end >= window.from;

const excusedFor = (exchange: Exchange, input: CheckInput) =>
  (input.excused ?? []).some(
    (window) => window.target === exchange.target && overlaps(exchange, window),
  );

function isUnavailableProblem(exchange: Exchange): boolean {
  const body = exchange.body as { error?: unknown; status?: unknown } | undefined;
  return (
    exchange.status === 503 &&
    /^\d+$/.test(exchange.headers?.['retry-after'] ?? '') &&
    (exchange.headers?.['content-type'] ?? '').startsWith('application/problem+json') &&
    body?.error === 'ServiceUnavailable' &&
    body?.status === 503
  );
}

/** Reads the database after a fault and compares it with what clients were told. */
export async function check(input: CheckInput): Promise<Verdict> {
  const { db, exchanges } = input;
  const acknowledgedIds = exchanges
    .filter((e) => e.kind !== 'read' && e.method === 'POST' && e.path === '/records')
    .filter((e) => e.status === 201)
    .map((e) => (e.body as { id: string }).id);
  const present = await db.query<{ id: string }>(
    'SELECT id::text FROM records WHERE id = ANY($1::uuid[])',
    [acknowledgedIds],
  );
  const presentIds = new Set(present.map((row) => row.id));

  const processedAnswers = exchanges.filter(
    (e) => e.method === 'POST' && /\/process$/.test(e.path) && e.status === 200,
  );
  const processedIds = processedAnswers.map((e) => (e.body as { id: string }).id);
  const exits = await db.query<{ record_id: string; request_id: string }>(
    `SELECT record_id::text, request_id FROM record_events
      WHERE from_status = 'pending' AND record_id = ANY($1::uuid[])`,
    [processedIds],
  );
  const exitKeys = new Set(exits.map((row) => `${row.record_id} ${row.request_id}`));
  const stillPending = await db.query<{ id: string }>(
    `SELECT id::text FROM records WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
    [processedIds],
  );

  const doubleProcessed = await db.query<{ record_id: string; attempt: number; exits: number }>(
    `SELECT record_id::text, attempt, count(*)::int AS exits FROM record_events
      WHERE from_status = 'pending' GROUP BY record_id, attempt HAVING count(*) > 1`,
  );

  const [{ exists }] = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('idempotency_keys') IS NOT NULL AS exists`,
  );
  const dangling = exists
    ? (
        await db.query<{ key: string }>(
          `SELECT k.key FROM idempotency_keys k
            WHERE k.response_status = 201
              AND NOT EXISTS (SELECT 1 FROM records r WHERE r.id::text = k.response_body::jsonb->>'id')`,
        )
      ).map((row) => row.key)
    : null;

  const outages = input.outages ?? [];
  const duringOutage = exchanges.filter((e) => outages.some((w) => overlaps(e, w)));

  return {
    requests: exchanges.length,
    acknowledged: acknowledgedIds.length,
    lost: acknowledgedIds.filter((id) => !presentIds.has(id)),
    answeredProcessedButPending: stillPending.map((row) => row.id),
    processedWithoutEvent: processedAnswers
      .filter(
        (e) => !exitKeys.has(`${(e.body as { id: string }).id} ${e.headers?.['x-request-id']}`),
      )
      .map((e) => (e.body as { id: string }).id),
    doubleProcessed,
    danglingIdempotencyKeys: dangling,
    serverErrors: exchanges.filter(
      (e) => e.status !== undefined && e.status >= 500 && !isUnavailableProblem(e),
    ),
    unavailable: exchanges.filter(isUnavailableProblem).length,
    hangs: exchanges.filter((e) => e.timedOut && !excusedFor(e, input)),
    dropped: exchanges.filter((e) => e.networkError && !excusedFor(e, input)),
    longestOutageWaitMs: Math.max(0, ...duringOutage.map((e) => e.end - e.start)),
  };
}

/** A short description of exchanges for a failure message. */
export function sample(exchanges: Exchange[], n = 5): string {
  return JSON.stringify(
    exchanges.slice(0, n).map((e) => ({
      target: e.target,
      method: e.method,
      path: e.path,
      status: e.status,
      body: e.rawBody?.slice(0, 300),
      retryAfter: e.headers?.['retry-after'],
      timedOut: e.timedOut,
      networkError: e.networkError,
      ms: e.end - e.start,
    })),
    null,
    1,
  );
}
