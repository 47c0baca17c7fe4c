// First of all: the tracing SDK, when enabled, must be in place before http, pg and Nest load.
import { stopTracing } from './tracing';
import { ConfigService } from '@nestjs/config';
import { Logger } from 'nestjs-pino';
import { createApp, listen } from './app.setup';
import { RequestLogging } from './common/request-logging';
import { Environment } from './config/environment';
import { DrainState } from './health/drain-state';

/** Longest wait for the shutdown hooks (worker, pool, embedded database) after draining. */
const CLOSE_TIMEOUT_MS = 15_000;

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(ConfigService<Environment, true>);
  const logger = app.get(Logger);
  const logging = app.get(RequestLogging);
  // Log lines are written asynchronously: write out the last ones before exiting.
  const exit = (code: number): never => {
    logging.flush();
    process.exit(code);
  };
  const server = await listen(app, config.get('PORT', { infer: true }));

  // Graceful shutdown: readiness turns 503, the server stops accepting, in-flight
  // requests finish (bounded by SHUTDOWN_GRACE_MS), then Nest's shutdown hooks stop
  // the worker and close the pool (and the embedded database), and we exit 0.
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.get('SHUTDOWN_GRACE_MS', { infer: true });
    const readinessDelayMs = config.get('SHUTDOWN_READINESS_DELAY_MS', { infer: true });
    logger.log(`${signal} received: draining for up to ${graceMs} ms`, 'Shutdown');
    app.get(DrainState).draining = true;
    if (readinessDelayMs > 0) {
      // Still serving while /health answers 503, until load balancers have noticed.
      await new Promise((resolve) => setTimeout(resolve, readinessDelayMs));
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const timer = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections', 'Shutdown');
      server.closeAllConnections();
    }, graceMs);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(timer);
    // Closing the pool waits for handlers still running after the grace period; bound that too.
    setTimeout(() => {
      logger.error('shutdown hooks did not finish in time: exiting', 'Shutdown');
      exit(1);
    }, CLOSE_TIMEOUT_MS).unref();
    try {
      await app.close();
    } catch (error) {
      logger.error(
        `shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
        'Shutdown',
      );
      exit(1);
    }
    // The spans still queued go out (bounded by OTEL_BSP_EXPORT_TIMEOUT, and the timer above).
    await stopTracing();
    logger.log('stopped', 'Shutdown');
    exit(0);
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}

bootstrap().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration, database unreachable): say it plainly.
  console.error(
    `workflow-service failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
