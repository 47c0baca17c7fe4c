import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { noteReadSource } from './read-source';
import { Replicas } from './replicas';

/**
 * How statements reach PostgreSQL. `settings` (statement_timeout, lock_timeout, ...)
 * are sent with each transaction when `perTransaction` (a pooler in transaction
 * pooling mode is in front: no session is ours); otherwise the pool's connections
 * carry them (database-options.ts) and statements may be named.
 */
export class DatabaseSessions {
  constructor(
    readonly perTransaction: boolean,
    readonly settings: Record<string, string>,
  ) {}

  /** One statement setting every value for the current transaction only (SET LOCAL). */
  get setLocal(): string {
    // The values come from the validated configuration (integers, 'UTC'), never from a request.
    return `SELECT ${Object.entries(this.settings)
      .map(([name, value]) => `set_config('${name}', '${value}', true)`)
      .join(', ')}`;
  }
}

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
  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    readonly replicas: Replicas,
    readonly sessions: DatabaseSessions,
  ) {}

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

  /**
   * A read that may be answered by a read replica (DATABASE_REPLICA_URLS, in turn):
   * for reads that tolerate replication lag (lists, totals, summaries, events). When
   * the replica fails, or none is up, the primary answers. Never inside a transaction.
   * `from: 'primary'` reads the primary (a replica's answer turned out to be stale); which
   * answered is noted for the X-Read-Source header (read-source.ts).
   */
  async read<T extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    from: 'any' | 'primary' = 'any',
  ): Promise<T[]> {
    const replicated =
      from === 'any'
        ? await this.replicas.read((pool) => this.sendTo<T>(pool, statement, values))
        : undefined;
    noteReadSource(replicated ? 'replica' : 'primary', from === 'primary');
    return (replicated?.answer ?? (await this.send<T>(statement, values))).rows;
  }

  private send<T extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    tx?: Transaction,
  ): Promise<QueryResult<T>> {
    if (tx) return tx.client.query<T>(this.config(statement, values));
    const pool = this.pool;
    if (!pool) throw new Error('Cannot use a pool after calling end on the pool');
    return this.sendTo<T>(pool, statement, values);
  }

  private async sendTo<T extends QueryResultRow>(
    pool: Pool,
    statement: Statement,
    values: unknown[],
  ): Promise<QueryResult<T>> {
    if (!this.sessions.perTransaction) return pool.query<T>(this.config(statement, values));
    // Transaction pooling: a statement on its own is a short transaction of its own, so
    // that the timeouts travel with it (a connection's next transaction may be another
    // client's on another server connection).
    const client = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no error listener of the pool's: a connection that ends
    // (PostgreSQL or the pooler went away) would otherwise be an unhandled 'error' event.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query(`BEGIN; ${this.sessions.setLocal}`);
      const result = await client.query<T>(this.config(statement, values));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((failure: Error) => (broken = failure));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** Named statements only where each connection is a session of ours (no transaction pooler). */
  private config(statement: Statement, values: unknown[]) {
    const name = this.sessions.perTransaction ? undefined : statement.name;
    return { name, text: statement.text, values };
  }

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      // Already connected by the transaction: connect() hands over its pg client.
      const client = (await manager.queryRunner!.connect()) as PoolClient;
      if (this.sessions.perTransaction) await client.query(this.sessions.setLocal);
      return work({ client, manager });
    });
  }
}
