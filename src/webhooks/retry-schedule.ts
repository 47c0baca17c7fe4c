/** What the relay does after an attempt. */
export type AttemptVerdict =
  | { status: 'succeeded' }
  | { status: 'pending'; delayMs: number }
  | { status: 'failed'; disableEndpoint: boolean };

export interface AttemptResult {
  /** The receiver's status code; undefined when no answer came (refused, timeout, guard). */
  statusCode?: number;
  /** Seconds from a Retry-After header (429 and 503 only). */
  retryAfterSeconds?: number;
}

/** Jitter: each delay is stretched by up to this fraction, so retries of a burst spread out. */
const JITTER = 0.1;

/**
 * The retry schedule (pure): after the `attempts`-th attempt (1-based), with
 * `delays` in seconds (WEBHOOK_RETRY_DELAYS). A 2xx succeeds; a 410 fails and
 * disables the endpoint; anything else is tried again after the next delay, or a
 * longer Retry-After on 429/503 (capped at the schedule's longest delay), until the
 * delays run out, or at once failed when `lastAttempt` (a redelivery of a finished
 * delivery gets one attempt).
 */
export function verdict(
  result: AttemptResult,
  attempts: number,
  delays: readonly number[],
  lastAttempt: boolean,
  random: () => number = Math.random,
): AttemptVerdict {
  const code = result.statusCode;
  if (code !== undefined && code >= 200 && code < 300) return { status: 'succeeded' };
  if (code === 410) return { status: 'failed', disableEndpoint: true };
  if (lastAttempt || attempts > delays.length) return { status: 'failed', disableEndpoint: false };
  let seconds = delays[attempts - 1];
  if ((code === 429 || code === 503) && result.retryAfterSeconds !== undefined) {
    seconds = Math.max(seconds, Math.min(result.retryAfterSeconds, Math.max(...delays)));
  }
  return { status: 'pending', delayMs: Math.round(seconds * 1000 * (1 + JITTER * random())) };
}

/** Retry-After as seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(
  header: string | undefined,
  now = Date.now(),
): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
