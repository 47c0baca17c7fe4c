import { createServer } from 'node:net';

/** A point in time `ms` from now. */
export const deadline = (ms: number): number => Date.now() + ms;

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` every `everyMs` until it holds, or throws when the deadline
 * passes. Every wait in the suite goes through here: bounded, never sleep-and-hope.
 */
export async function pollUntil<T>(
  condition: () => T | Promise<T>,
  until: number,
  what: string,
  everyMs = 50,
): Promise<NonNullable<T>> {
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= until) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await delay(everyMs);
  }
}

const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 in the suite's range (55200-55299). */
export async function freePort(): Promise<number> {
  for (let port = 55200; port <= 55299; port++) {
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port in 55200-55299');
}
