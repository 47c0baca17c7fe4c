import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * A named statement: node-postgres prepares it once per pooled connection and then
 * only binds and executes it (1.3-2.1x faster than unnamed in pgbench). TypeORM's
 * query() sends every statement unnamed, to be parsed and planned each time.
 */
export interface NamedStatement {
  name: string;
  text: string;
}

/** A statement built at run time (dynamic filters): sent unnamed. */
export type Statement = NamedStatement | { name?: undefined; text: string };

/** A transaction in progress: its pg client (for named statements) and its TypeORM manager. */
export interface Transaction {
  client: PoolClient;
  manager: EntityManager;
}

/**
 * The one seam between the repositories and node-postgres, on TypeORM's public API:
 * the pool is reached here only, and a transaction's client comes from
 * QueryRunner.connect().
 */
@Injectable()
export class Database {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  /** The node-postgres pool TypeORM owns; undefined once the data source is closed. */
  get pool(): Pool | undefined {
    return this.dataSource.isInitialized
      ? ((this.dataSource.driver as PostgresDriver).master as Pool)
      : undefined;
  }

  /** Runs a statement in `tx`, or on any pooled connection; its rows. */
  async query<T extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    tx?: Transaction,
  ): Promise<T[]> {
    return (await this.send<T>(statement, values, tx)).rows;
  }

  /** Runs a statement that returns no rows; how many rows it changed. */
  async execute(statement: Statement, values: unknown[], tx?: Transaction): Promise<number> {
    return (await this.send(statement, values, tx)).rowCount ?? 0;
  }

  private send<T extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    tx?: Transaction,
  ): Promise<QueryResult<T>> {
    const executor: Pick<Pool, 'query'> | undefined = tx?.client ?? this.pool;
    if (!executor) throw new Error('Cannot use a pool after calling end on the pool');
    return executor.query<T>({ name: statement.name, text: statement.text, values });
  }

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      // Already connected by the transaction: connect() hands over its pg client.
      const client = (await manager.queryRunner!.connect()) as PoolClient;
      return work({ client, manager });
    });
  }
}
