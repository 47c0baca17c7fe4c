import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { Gauge, Registry } from 'prom-client';
import { Database } from '../database/database';

/** The pg pool owned by TypeORM, read at scrape time. */
@Injectable()
export class PoolMetrics {
  constructor(database: Database, registry: Registry) {
    const pool = (): Pool | undefined => database.pool;
    const gauge = (name: string, help: string, read: (pool: Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const counts = pool();
          this.set(counts ? read(counts) : 0);
        },
      });
    gauge(
      'db_pool_max_connections',
      'Largest size the pool may grow to',
      (p) => p.options?.max ?? 0,
    );
    gauge(
      'db_pool_connections',
      'Connections open in the pool (busy and idle)',
      (p) => p.totalCount,
    );
    gauge('db_pool_idle_connections', 'Open connections not in use', (p) => p.idleCount);
    gauge(
      'db_pool_waiting_requests',
      'Queries waiting for a free connection (bounded by DB_POOL_TIMEOUT_MS)',
      (p) => p.waitingCount,
    );
  }
}
