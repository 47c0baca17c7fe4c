import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

/** What a PostgreSQL or driver error means for the client. */
export type DatabaseErrorKind = 'unavailable' | 'invalid_input' | 'unknown';

// SQLSTATE classes and codes that mean "try again later", not "you sent something wrong".
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58'];
// 25P03: PostgreSQL ended a session left idle in a transaction (a stalled instance).
// 25006: a write reached a read-only server (a standby, after a failover).
const UNAVAILABLE_CODES = new Set(['40001', '40P01', '55P03', '55006', '25P03', '25006']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connection timeout',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'Client was closed and is not queryable',
];

export function classifyDatabaseError(error: unknown): DatabaseErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  // TypeORM releases a transaction's query runner when its connection fails (the
  // server ended the session, the network dropped it); the next statement of that
  // transaction (even its COMMIT, which is then never sent) throws one of these.
  // Nothing was committed: retrying is safe.
  if (
    error instanceof QueryRunnerProviderAlreadyReleasedError ||
    error instanceof QueryRunnerAlreadyReleasedError
  ) {
    return 'unavailable';
  }
  const source = error instanceof QueryFailedError ? (error.driverError as Error) : error;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2))) {
        return 'unavailable';
      }
      // Class 22 (data exception): a value PostgreSQL cannot store or compare.
      if (code.startsWith('22')) return 'invalid_input';
      return 'unknown';
    }
  }
  if (UNAVAILABLE_MESSAGES.some((message) => source.message?.includes(message)))
    return 'unavailable';
  return error instanceof QueryFailedError ? 'unknown' : undefined;
}
