import { retryAfterSeconds, verdict } from './retry-schedule';

const DELAYS = [5, 300, 1800];
const noJitter = () => 0;

describe('verdict (the retry schedule)', () => {
  it.each([200, 201, 204, 299])('a %s succeeds', (statusCode) => {
    expect(verdict({ statusCode }, 1, DELAYS, false, noJitter)).toEqual({ status: 'succeeded' });
  });

  it('a 410 fails at once and disables the endpoint, even with delays left', () => {
    expect(verdict({ statusCode: 410 }, 1, DELAYS, false)).toEqual({
      status: 'failed',
      disableEndpoint: true,
    });
  });

  it.each([
    [1, 5000],
    [2, 300000],
    [3, 1800000],
  ])('after attempt %s the next comes after the schedule (%s ms)', (attempts, delayMs) => {
    for (const result of [{ statusCode: 500 }, { statusCode: 302 }, {}]) {
      expect(verdict(result, attempts, DELAYS, false, noJitter)).toEqual({
        status: 'pending',
        delayMs,
      });
    }
  });

  it('fails after the last delay, or after a redelivery attempt', () => {
    expect(verdict({ statusCode: 500 }, 4, DELAYS, false)).toEqual({
      status: 'failed',
      disableEndpoint: false,
    });
    expect(verdict({ statusCode: 500 }, 1, DELAYS, true)).toEqual({
      status: 'failed',
      disableEndpoint: false,
    });
    expect(verdict({}, 1, [], false)).toEqual({ status: 'failed', disableEndpoint: false });
  });

  it('adds up to 10% of jitter', () => {
    expect(verdict({ statusCode: 500 }, 1, DELAYS, false, () => 0.999)).toEqual({
      status: 'pending',
      delayMs: 5500,
    });
  });

  it('takes a longer Retry-After on 429 and 503 only, capped at the longest delay', () => {
    const wait = (statusCode: number, retry: number) =>
      verdict({ statusCode, retryAfterSeconds: retry }, 1, DELAYS, false, noJitter);
    expect(wait(429, 60)).toEqual({ status: 'pending', delayMs: 60000 });
    expect(wait(503, 1)).toEqual({ status: 'pending', delayMs: 5000 });
    expect(wait(503, 999999)).toEqual({ status: 'pending', delayMs: 1800000 });
    expect(wait(500, 60)).toEqual({ status: 'pending', delayMs: 5000 });
  });
});

describe('retryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates; ignores the rest', () => {
    const now = Date.parse('2026-12-08T10:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Tue, 08 Dec 2026 10:01:00 GMT', now)).toBe(60);
    expect(retryAfterSeconds('Tue, 08 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
  });
});
