import type { NamedStatement } from '../../src/database/database';
import {
  APPLY_TRANSITION,
  CREATE_RECORD,
  LOCK_RECORD,
  RECORD_BY_ID,
  RECORD_COLUMNS,
} from '../../src/records/records.repository';
import type { ScenarioName } from './config';

/** What one run needs to know beyond the scenario itself. */
export interface RunContext {
  /** An existing record, for get-by-id. */
  recordId: string;
  /** Today and six days before it (UTC, bare dates): the 7-day summary range. */
  today: string;
  weekAgo: string;
  /** 29 days before today (a bare date): the console's 30-day chart. */
  monthAgo: string;
}

/** One HTTP request shape; `{id}` in the path takes the next seeded pending id on each call. */
export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface Scenario {
  name: ScenarioName;
  http: (context: RunContext) => HttpRequestSpec;
  /** A pgbench script sending the SQL the service sends for one request (none: no SQL). */
  pgbenchScript?: string;
  pgbenchVariables?: (context: RunContext) => Record<string, string>;
  /** The reference servers (raw-server.ts, bare-nest.ts) answer it too. */
  referenced?: boolean;
  /** Each call consumes one pending record: the run is seeded with fresh ones. */
  consumesPending?: boolean;
  /** Adds rows: run after the scenarios that read the bulk-loaded table. */
  writes?: boolean;
}

/** record_activity's read (src/records/record-activity.repository.ts) over [from, to). */
const TIMESERIES_SQL = `
SELECT date_trunc(:bucket, hour, 'UTC') AS start, sum(created) AS created, sum(processed) AS processed,
       sum(failed) AS failed, sum(retried) AS retried
  FROM record_activity WHERE hour >= :from::timestamptz AND hour < :to::timestamptz
 GROUP BY 1 ORDER BY 1;
`;

/** The whole buckets the service reads for a window ending now (see timeseries-range.ts). */
function timeseriesWindow(bucket: 'hour' | 'day', windowMs: number): Record<string, string> {
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const end = Date.now() + 1;
  return {
    bucket,
    from: new Date(Math.floor((end - windowMs) / size) * size).toISOString(),
    to: new Date(Math.ceil(end / size) * size).toISOString(),
  };
}

/** A repository's statement for pgbench: its parameters $1, $2, ... become :name variables. */
const pgbenchSql = (statement: NamedStatement, ...names: string[]): string =>
  `${statement.text.replace(/\$(\d+)/g, (_, n: string) => `:${names[Number(n) - 1]}`)};\n`;

const PAYLOAD = JSON.stringify({
  order_id: '12345',
  amount: 99.99,
  currency: 'EUR',
  customer_id: 'cus_004217',
  items: 3,
  note: 'sent by npm run bench',
});

/*
 * The SQL below is the service's, copied from src/records/records.service.ts and
 * src/reports/reports.service.ts (pgbench `:name` variables in place of `$n`).
 * When the service's SQL changes, change it here too, or the ratios mean nothing.
 * Known differences, all in pgbench's favour by at most one index probe:
 * - process looks its record up through bench_pending (the n-th seeded id), since
 *   pgbench cannot hold a list of uuids; and passes the error column as NULL.
 * - list runs its two statements one after the other; the service runs them at once
 *   on two pooled connections.
 * - the service sends create, get and process as named prepared statements, so
 *   pgbench's "prepared" mode is the like-for-like figure for those.
 */
export const SCENARIOS: Scenario[] = [
  {
    name: 'live',
    referenced: true,
    http: () => ({ method: 'GET', path: '/health/live' }),
  },
  {
    name: 'create',
    writes: true,
    referenced: true,
    http: () => ({
      method: 'POST',
      path: '/records',
      body: JSON.stringify({ source: 'api', category: 'order', payload: JSON.parse(PAYLOAD) }),
    }),
    // pgbench cannot make a uuid per call: the database's UUIDv7 default function stands in.
    pgbenchScript: pgbenchSql(
      CREATE_RECORD,
      'id',
      'source',
      'category',
      'payload',
      'request_id',
    ).replace(':id', 'gen_uuid_v7()'),
    pgbenchVariables: () => ({
      source: 'api',
      category: 'order',
      payload: PAYLOAD,
      request_id: 'req_pgbench0000000000',
    }),
  },
  {
    name: 'get',
    referenced: true,
    http: (context) => ({ method: 'GET', path: `/records/${context.recordId}` }),
    pgbenchScript: pgbenchSql(RECORD_BY_ID, 'id'),
    pgbenchVariables: (context) => ({ id: context.recordId }),
  },
  {
    name: 'process',
    writes: true,
    consumesPending: true,
    http: () => ({ method: 'POST', path: '/records/{id}/process' }),
    // Each client takes ids client_id+1, client_id+1+nclients, ...: never the same twice.
    pgbenchScript: `
\\set i :i + 1
\\set n (:i - 1) * :nclients + :client_id + 1
BEGIN;
${pgbenchSql(LOCK_RECORD, 'id')
  .replace(':id', '(SELECT id FROM bench_pending WHERE n = :n)')
  .replace(/;\n$/, '')}
\\gset
${pgbenchSql(APPLY_TRANSITION, 'id', 'next_status', 'next_classification', 'next_score', 'next_error', 'status', 'attempt_increment', 'request_id').replace(':next_error', 'NULL')}COMMIT;
`,
    pgbenchVariables: () => ({
      i: '0',
      next_status: 'processed',
      next_classification: 'high_value',
      next_score: '0.95',
      attempt_increment: '1',
      request_id: 'req_pgbench0000000000',
    }),
  },
  {
    name: 'list',
    http: () => ({ method: 'GET', path: '/records?status=processed&category=order&limit=50' }),
    pgbenchScript: `
SELECT ${RECORD_COLUMNS} FROM records WHERE status = :status AND category = :category
 ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset;
SELECT coalesce(sum(n), 0)::int AS total FROM record_totals WHERE status = :status AND category = :category;
`,
    pgbenchVariables: () => ({ status: 'processed', category: 'order', limit: '50', offset: '0' }),
  },
  {
    name: 'summary',
    http: () => ({ method: 'GET', path: '/reports/summary' }),
    pgbenchScript: `
SELECT status, category, sum(n) AS n FROM (SELECT status, category, n FROM record_totals) AS counts
 GROUP BY status, category HAVING sum(n) <> 0;
`,
    pgbenchVariables: () => ({}),
  },
  {
    name: 'summary_7d',
    http: (context) => ({
      method: 'GET',
      path: `/reports/summary?date_from=${context.weekAgo}&date_to=${context.today}`,
    }),
    pgbenchScript: `
SELECT status, category, sum(n) AS n FROM (
  SELECT status, category, n FROM record_counts WHERE day >= :date_from::date AND day < :date_to::date + 1
) AS counts
 GROUP BY status, category HAVING sum(n) <> 0;
`,
    pgbenchVariables: (context) => ({ date_from: context.weekAgo, date_to: context.today }),
  },
  {
    name: 'timeseries',
    http: () => ({ method: 'GET', path: '/reports/timeseries' }),
    pgbenchScript: TIMESERIES_SQL,
    pgbenchVariables: () => timeseriesWindow('hour', 86_400_000),
  },
  {
    name: 'timeseries_30d',
    http: (context) => ({
      method: 'GET',
      path: `/reports/timeseries?bucket=day&date_from=${context.monthAgo}`,
    }),
    pgbenchScript: TIMESERIES_SQL,
    pgbenchVariables: (context) =>
      timeseriesWindow('day', Date.now() + 1 - Date.parse(context.monthAgo)),
  },
];
