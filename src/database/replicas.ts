import { Logger, LoggerService, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { classifyDatabaseError } from '../common/database-errors';

/** host:port/database of a postgres:// URL: how a replica is named in logs and metrics. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'replica';
  }
}

/** One read replica: its own pg pool and whether reads are skipping it. */
export class Replica {
  /** While down, reads skip it until this time (ms since the epoch), then try it again. */
  retryAt = 0;
  down = false;
  /** A down replica being tried again by one read (or lag check): the others skip it meanwhile. */
  probing = false;

  constructor(
    readonly name: string,
    readonly pool: Pool,
  ) {}
}

/**
 * A replica's failure that the primary would not have: it is down, refuses or drops
 * connections, or cancelled the read for a conflict with recovery. A statement timeout
 * (57014) is not one (the primary would time out as well); a bad query is not either.
 */
export function isReplicaFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // Node's own errors (ECONNREFUSED) may come from another realm than this module's
  // Error (a test sandbox): judge them by their code and message alone.
  const judged =
    error instanceof Error ? error : Object.assign(new Error(String(message)), { code });
  return classifyDatabaseError(judged) === 'unavailable' && code !== '57014';
}

// On a standby: 0 when it has replayed all it received, else how old the last replayed
// transaction is. Null on a server that is not in recovery (not a standby).
const LAG_SQL = `SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))
  END::float8 AS lag`;

/**
 * The read replicas (DATABASE_REPLICA_URLS), taken in turn. A replica that fails is
 * skipped for `retryMs` (its reads go to the primary), logged once when it goes and
 * once when it is back, and counted. Pools connect lazily: a replica down at start-up
 * does not keep the service from starting.
 */
export class Replicas implements OnApplicationShutdown {
  private next = 0;
  /** Reads that were meant for a replica and were answered by the primary. */
  fallbackReads = 0;

  constructor(
    readonly all: Replica[],
    private readonly retryMs: number,
    private readonly logger: LoggerService = new Logger('Replicas'),
  ) {
    for (const replica of all) {
      // An idle pooled connection that breaks must not crash the process.
      replica.pool.on('error', (error) => this.failed(replica, error));
    }
  }

  /** Pools for `urls` with the primary's pool options. */
  static connect(
    urls: string[],
    poolOptions: Record<string, unknown>,
    retryMs: number,
    logger?: LoggerService,
  ): Replicas {
    const replicas = urls.map(
      (url) =>
        new Replica(
          describeUrl(url),
          new Pool({ ...poolOptions, connectionString: url, application_name: 'workflow-service' }),
        ),
    );
    return new Replicas(replicas, retryMs, logger);
  }

  /**
   * The next replica in turn not being skipped; undefined: read from the primary. A down
   * replica whose retry time has come is handed to one caller only, as a probe: until it
   * answers, every other read skips it (a black-holed replica stalls one read, not all).
   */
  pick(now = Date.now()): Replica | undefined {
    for (let tried = 0; tried < this.all.length; tried++) {
      const replica = this.all[this.next];
      this.next = (this.next + 1) % this.all.length;
      if (!replica.down) return replica;
      if (this.startProbe(replica, now)) return replica;
    }
    return undefined;
  }

  /** True when `replica` is down, due for a retry and not already being probed: now it is. */
  private startProbe(replica: Replica, now = Date.now()): boolean {
    if (!replica.down || replica.probing || now < replica.retryAt) return false;
    replica.probing = true;
    return true;
  }

  /** A read on `replica` succeeded: it takes reads again. */
  succeeded(replica: Replica): void {
    replica.probing = false;
    if (!replica.down) return;
    replica.down = false;
    this.logger.log(`read replica ${replica.name} is back; reads go to it again`);
  }

  /** Skips `replica` for a while; logged when it goes down, not on every failure. */
  failed(replica: Replica, error: unknown): void {
    replica.retryAt = Date.now() + this.retryMs;
    replica.probing = false;
    if (replica.down) return;
    replica.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `read replica ${replica.name} unavailable (${reason}); its reads go to the primary, retried in ${this.retryMs} ms`,
    );
  }

  /**
   * Runs a read on a replica; on a replica failure marks it down and answers
   * undefined (the caller reads from the primary, counted as a fallback).
   */
  async read<T>(run: (pool: Pool) => Promise<T>): Promise<{ answer: T } | undefined> {
    const replica = this.pick();
    if (!replica) {
      if (this.all.length > 0) this.fallbackReads++;
      return undefined;
    }
    try {
      const answer = await run(replica.pool);
      this.succeeded(replica);
      return { answer };
    } catch (error) {
      if (!isReplicaFailure(error)) {
        replica.probing = false;
        throw error;
      }
      this.failed(replica, error);
      this.fallbackReads++;
      return undefined;
    }
  }

  /** Seconds `replica` is behind its primary; undefined when it cannot say (down, or not a standby). */
  async lagSeconds(replica: Replica): Promise<number | undefined> {
    if (replica.down && !this.startProbe(replica)) return undefined;
    try {
      const { rows } = await replica.pool.query<{ lag: number | null }>(LAG_SQL);
      this.succeeded(replica);
      return rows[0].lag ?? undefined;
    } catch (error) {
      this.failed(replica, error);
      return undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all.map((replica) => replica.pool.end().catch(() => undefined)));
  }
}
