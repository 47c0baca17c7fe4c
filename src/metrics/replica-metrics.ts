import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { Replicas } from '../database/replicas';

/** The read replicas (DATABASE_REPLICA_URLS), read at scrape time. */
@Injectable()
export class ReplicaMetrics {
  constructor(replicas: Replicas, registry: Registry) {
    new Gauge({
      name: 'db_replica_up',
      help: 'Whether reads go to this read replica (0 while it is skipped after a failure)',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        for (const replica of replicas.all)
          this.set({ replica: replica.name }, replica.down ? 0 : 1);
      },
    });
    new Gauge({
      name: 'db_replica_lag_seconds',
      help: 'How far the read replica is behind the primary (0 when it has replayed all it received); absent while it is down',
      labelNames: ['replica'],
      registers: [registry],
      async collect() {
        this.reset();
        const lags = await Promise.all(replicas.all.map((replica) => replicas.lagSeconds(replica)));
        replicas.all.forEach((replica, i) => {
          const lag = lags[i];
          if (lag !== undefined) this.set({ replica: replica.name }, lag);
        });
      },
    });
    let counted = 0;
    new Counter({
      name: 'db_replica_fallback_reads_total',
      help: 'Reads meant for a read replica that the primary answered (the replica failed or was skipped)',
      registers: [registry],
      collect() {
        this.inc(replicas.fallbackReads - counted);
        counted = replicas.fallbackReads;
      },
    });
  }
}
