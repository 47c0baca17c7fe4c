import type { IncomingHttpHeaders } from 'node:http';

export const CROSS_SITE_MESSAGE =
  "A POST sent by another site's page is refused (Sec-Fetch-Site: cross-site, or an Origin that is not this service's)";

/** host[:port] as a Host header names it, without the scheme's default port. */
const withoutDefaultPort = (host: string, defaultPort: string): string =>
  host.toLowerCase().endsWith(`:${defaultPort}`) ? host.slice(0, -defaultPort.length - 1) : host;

/**
 * True when a write comes from another site's page: the browser says so
 * (`Sec-Fetch-Site: cross-site`), or its `Origin` is not the host the request was sent to
 * (`Origin: null` included). Scheme aside (TLS may end at a proxy), the origin's host and
 * port must be the request's Host. A request with neither header (curl, a server) is not
 * one; a same-origin page (the console) sends its own origin.
 */
export function isCrossSite(headers: IncomingHttpHeaders): boolean {
  if (String(headers['sec-fetch-site']).toLowerCase() === 'cross-site') return true;
  const { origin, host } = headers;
  if (origin === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return true;
  }
  if (url.origin === 'null' || host === undefined) return true;
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  return url.host.toLowerCase() !== withoutDefaultPort(host.toLowerCase(), defaultPort);
}
