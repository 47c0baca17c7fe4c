/** One server a DATABASE_URL names: `host:port` for logs, and a URL that reaches it alone. */
export interface DatabaseHost {
  name: string;
  url: string;
}

const URL_PARTS = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

/**
 * The hosts of a postgres:// URL that may name several the way libpq does
 * (`postgres://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write`), in the order
 * given, each as a single-host URL node-postgres understands. `target_session_attrs` is
 * dropped from each: the service always looks for the host that accepts writes.
 */
export function parseDatabaseHosts(url: string): DatabaseHost[] {
  const parts = URL_PARTS.exec(url);
  if (!parts) throw new Error('DATABASE_URL must be a postgres:// URL');
  const [, scheme, authority, rest] = parts;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostList = authority.slice(at + 1);
  const tail = withoutParameter(rest, 'target_session_attrs');
  return hostList.split(',').map((entry) => {
    const match = HOST_PORT.exec(entry.trim());
    const port = Number(match?.[2] ?? 5432);
    if (!match || port < 1 || port > 65535) {
      throw new Error(`DATABASE_URL names a host that is not host[:port]: "${entry}"`);
    }
    const name = `${match[1]}:${port}`;
    return { name, url: `${scheme}${userinfo}${name}${tail}` };
  });
}

/** `rest` (path, query, fragment) without the query parameter `name`. */
function withoutParameter(rest: string, name: string): string {
  const question = rest.indexOf('?');
  if (question < 0) return rest;
  const hash = rest.indexOf('#', question);
  const query = rest.slice(question + 1, hash < 0 ? undefined : hash);
  const kept = query.split('&').filter((pair) => pair !== '' && pair.split('=')[0] !== name);
  return `${rest.slice(0, question)}${kept.length ? `?${kept.join('&')}` : ''}${hash < 0 ? '' : rest.slice(hash)}`;
}

// Lost servers: refused, reset or unreachable connections, and the server shutting
// down, crashed, or still starting (57P01-57P03); class 08 is a connection exception.
const LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
]);
const LOST_MESSAGES = ['Connection terminated', 'connection timeout'];

/** SQLSTATE read_only_sql_transaction: a write reached a server that takes none (a standby). */
export const READ_ONLY_CODE = '25006';

/**
 * What a driver error says about the server behind the pool: `read-only` (a write was
 * refused: the primary is elsewhere now), `lost` (the connection failed or the server
 * went away), or undefined (an answer about the statement itself: timeouts, conflicts,
 * bad input).
 */
export function serverTrouble(error: unknown): 'read-only' | 'lost' | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === READ_ONLY_CODE) return 'read-only';
  if (typeof code === 'string' && (LOST_CODES.has(code) || code.startsWith('08'))) return 'lost';
  if (typeof message === 'string' && LOST_MESSAGES.some((lost) => message.includes(lost))) {
    return 'lost';
  }
  return undefined;
}
