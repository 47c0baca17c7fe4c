import { randomUUID } from 'node:crypto';

/** One HTTP request and what came back (or did not), as the client saw it. */
export interface Exchange {
  target: string;
  method: string;
  path: string;
  kind: 'create' | 'process' | 'read' | 'probe';
  idempotencyKey?: string;
  start: number;
  end: number;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  /** The client gave up waiting (the bound was passed). */
  timedOut: boolean;
  /** No HTTP answer at all: refused or reset connection. */
  networkError?: string;
}

export interface RequestSpec {
  target: string;
  method: string;
  path: string;
  kind: Exchange['kind'];
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  idempotencyKey?: string;
  timeoutMs: number;
}

/** Sends one request with Node's fetch, never waiting past `timeoutMs`, and records it. */
export async function send(spec: RequestSpec): Promise<Exchange> {
  const exchange: Exchange = {
    target: spec.target,
    method: spec.method,
    path: spec.path,
    kind: spec.kind,
    idempotencyKey: spec.idempotencyKey,
    start: Date.now(),
    end: 0,
    timedOut: false,
  };
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.idempotencyKey) headers['Idempotency-Key'] = spec.idempotencyKey;
  try {
    const response = await fetch(`${spec.target}${spec.path}`, {
      method: spec.method,
      headers,
      body: spec.body,
      signal: AbortSignal.timeout(spec.timeoutMs),
    });
    exchange.status = response.status;
    exchange.headers = Object.fromEntries(response.headers.entries());
    exchange.rawBody = await response.text();
    try {
      exchange.body = JSON.parse(exchange.rawBody);
    } catch {
      exchange.body = undefined;
    }
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') exchange.timedOut = true;
    else exchange.networkError = describe(error);
  }
  exchange.end = Date.now();
  return exchange;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}

export const jsonHeaders = { 'Content-Type': 'application/json' };

export const newIdempotencyKey = (): string => `faults-${randomUUID()}`;
