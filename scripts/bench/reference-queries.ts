/**
 * What the two reference servers (raw-server.ts, bare-nest.ts) do per request: the
 * service's own statements (from its repository) and row mapping on a plain
 * node-postgres pool, with nothing around them. They are baselines for `npm run bench`, not product code.
 */
import { Pool } from 'pg';
import { toRecordResponse } from '../../src/records/dto/record.response';
import { newRecordId } from '../../src/records/record-id';
import type { RecordEntity } from '../../src/records/record.entity';
import { CREATE_RECORD, RECORD_BY_ID } from '../../src/records/records.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The service's pool size by default (DB_POOL_SIZE). */
export const referencePool = () =>
  new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_SIZE ?? 10),
  });

export async function getRecord(pool: Pool, id: string) {
  if (!UUID.test(id)) return undefined;
  const { rows } = await pool.query<RecordEntity>({ ...RECORD_BY_ID, values: [id] });
  return rows[0] && toRecordResponse(rows[0]);
}

/** The insert of a record and its creation event; the body is taken as it comes. */
export async function createRecord(pool: Pool, body: unknown, requestId: string) {
  const { source, category, payload } = (body ?? {}) as Record<string, unknown>;
  const { rows } = await pool.query<RecordEntity>({
    ...CREATE_RECORD,
    values: [newRecordId(), source, category, JSON.stringify(payload), requestId],
  });
  return toRecordResponse(rows[0]);
}

/** `/records/<uuid>` -> the uuid. */
export const recordIdOf = (path: string) => /^\/records\/([^/?]+)$/.exec(path)?.[1];
