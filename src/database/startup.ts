import { LoggerService } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';

const describeTarget = (dataSource: DataSource): string => {
  const url = (dataSource.options as { url?: string }).url ?? '';
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'the configured database';
  }
};

/**
 * Connects, retrying with exponential backoff (250 ms doubling to 5 s) until
 * `timeoutMs` has passed; then fails with a message saying what was tried.
 */
export async function connectWithBackoff(
  dataSource: DataSource,
  timeoutMs: number,
  logger: LoggerService,
): Promise<DataSource> {
  const target = describeTarget(dataSource);
  const deadline = Date.now() + timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.initialize();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (Date.now() + delay > deadline) {
        throw new Error(
          `Could not connect to PostgreSQL at ${target} after ${attempt} attempt(s) over ${Math.round(timeoutMs / 1000)} s: ${reason}`,
        );
      }
      logger.warn(
        `PostgreSQL at ${target} not reachable (attempt ${attempt}: ${reason}); retrying in ${delay} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** Arbitrary constant naming this service's migration lock. */
export const MIGRATION_LOCK_KEY = 727_001;

/**
 * Runs pending migrations while holding a session advisory lock, so instances
 * starting together apply each migration once: the others wait, then find nothing to do.
 */
export async function runMigrationsExclusively(
  dataSource: DataSource,
  logger: LoggerService,
): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Waiting behind another instance's migration may take as long as it does: neither
    // the pool's statement timeout nor its lock timeout (which applies to advisory
    // locks too) cuts it off. An index build may take a while as well.
    await runner.query('SET statement_timeout = 0');
    await runner.query('SET lock_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    // The migrations themselves wait for table locks no longer than requests do.
    await runner.query('RESET lock_timeout');
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'all';
    const applied = await executor.executePendingMigrations();
    for (const migration of applied) logger.log(`applied migration ${migration.name}`);
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    // This connection goes back to the pool: with the pool's settings again.
    await runner.query('RESET statement_timeout; RESET lock_timeout').catch(() => undefined);
    await runner.release();
  }
}
