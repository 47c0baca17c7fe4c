import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { PoolMetrics } from './pool-metrics';
import { RecordMetrics } from './record-metrics';
import { ReplicaMetrics } from './replica-metrics';
import { WebhookMetrics } from './webhook-metrics';

/**
 * GET /metrics. One registry per application (not prom-client's global one), so
 * several apps in one process (the e2e tests) do not collide.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
    HttpMetrics,
    PoolMetrics,
    RecordMetrics,
    ReplicaMetrics,
    WebhookMetrics,
  ],
  exports: [HttpMetrics, RecordMetrics, WebhookMetrics],
})
export class MetricsModule {}
