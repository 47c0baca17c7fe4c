import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

/**
 * A named statement: node-postgres prepares it once per pooled connection and then
 * only binds and executes it. TypeORM's query() sends every statement unnamed, to
 * be parsed and planned each time; the hot paths use these instead.
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

type Executor = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

export async function execute<T extends QueryResultRow>(
  executor: Executor,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  return (await executor.query<T>({ name: statement.name, text: statement.text, values })).rows;
}

/** The node-postgres pool that TypeORM owns. */
export const poolOf = (dataSource: DataSource): Pool =>
  (dataSource.driver as unknown as { master: Pool }).master;

/** The node-postgres client a TypeORM transaction runs on. */
export const clientOf = (manager: EntityManager): PoolClient =>
  (manager.queryRunner as unknown as { databaseConnection: PoolClient }).databaseConnection;
