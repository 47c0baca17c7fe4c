import http from 'node:http';
import https from 'node:https';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import {
  isPublicAddress,
  PrivateAddressError,
  resolvePublic,
  Resolver,
  systemResolver,
} from './url-guard';

/** Bytes of a receiver's answer read at most (the rest is not read: the connection is closed). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendOutcome {
  statusCode?: number;
  retryAfter?: string;
  /** Why it did not succeed (refused, timed out, guard, redirect, non-2xx), or undefined on a 2xx. */
  error?: string;
  durationMs: number;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * Posts one webhook with node:http(s): no redirect is ever followed (node:http does
 * not), one timeout bounds connect, headers and body, and at most MAX_RESPONSE_BYTES
 * of the answer are read. The host is resolved by the guard's own lookup, on the
 * connection itself: the address checked is the address connected to, so a DNS answer
 * that changes after the check (rebinding) cannot reach a private address.
 * Keep-alive agents reuse connections to the same host.
 */
export class WebhookSender {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(
    private readonly timeoutMs: number,
    private readonly allowPrivate: boolean,
    private readonly resolver: Resolver = systemResolver,
    maxSockets = 50,
  ) {
    const options = { keepAlive: true, maxSockets, timeout: timeoutMs };
    this.agents = { http: new http.Agent(options), https: new https.Agent(options) };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  send(post: WebhookPost): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
      // Set once the request exists; an early refusal finishes before there is one.
      const timeout: { timer?: NodeJS.Timeout } = {};
      const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout.timer);
        resolve({ ...outcome, durationMs: elapsed() });
      };
      let url: URL;
      try {
        url = new URL(post.url);
      } catch {
        return finish({ error: 'invalid url' });
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && !this.allowPrivate && !isPublicAddress(host)) {
        return finish({ error: `refused: ${url.hostname} is a non-public address` });
      }
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: { ...post.headers, 'Content-Length': String(Buffer.byteLength(post.body)) },
        lookup: this.lookup,
      });
      timeout.timer = setTimeout(() => {
        request.destroy(new Error(`timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        finish({
          error: error instanceof PrivateAddressError ? `refused: ${error.message}` : error.message,
        });
      });
      request.on('response', (response) => {
        const statusCode = response.statusCode ?? 0;
        const header = response.headers['retry-after'];
        const retryAfter = typeof header === 'string' ? header : undefined;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // Enough of it: the rest is dropped with the connection.
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () =>
          finish({
            statusCode,
            retryAfter,
            error: statusCode >= 200 && statusCode < 300 ? undefined : describe(response),
          });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      });
      request.end(post.body);
    });
  }

  /** dns.lookup's shape, for net.connect: only public addresses come out (see url-guard.ts). */
  private readonly lookup = (
    hostname: string,
    options: LookupOptions,
    callback: LookupCallback,
  ): void => {
    resolvePublic(hostname, this.allowPrivate, this.resolver).then(
      (addresses) => {
        const wanted = options.family
          ? addresses.filter((entry) => entry.family === options.family)
          : addresses;
        const usable = wanted.length > 0 ? wanted : addresses;
        if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

function describe(response: http.IncomingMessage): string {
  const code = response.statusCode ?? 0;
  if (code >= 300 && code < 400) {
    return `redirect ${code} not followed${response.headers.location ? ` (to ${response.headers.location})` : ''}`;
  }
  return `answered ${code}`;
}
