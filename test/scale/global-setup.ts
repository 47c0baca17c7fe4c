import { freePortInRange } from '../process-harness';
import { migrateFromScratch } from '../test-database';
import { Cluster, createPrimaryAndStandby, PgBouncer, pgbouncerBinary } from './clusters';

/**
 * A private primary (migrated), a streaming standby of it, and PgBouncer in transaction
 * pooling mode in front of the primary, on ports in 55560-55599. The specs reach the
 * service's database through PgBouncer (DATABASE_URL, DB_POOLER=transaction, migrations
 * over DATABASE_MIGRATION_URL straight to the primary); the replica spec uses its own URLs.
 */
export default async function globalSetup(): Promise<void> {
  pgbouncerBinary();
  const primaryPort = await freePortInRange(55_560, 55_599);
  const standbyPort = await freePortInRange(primaryPort + 1, 55_599);
  const bouncerPort = await freePortInRange(standbyPort + 1, 55_599);
  const { primary, standby } = await createPrimaryAndStandby(primaryPort, standbyPort);
  const bouncer = new PgBouncer(bouncerPort, primary);
  const servers = globalThis as { scaleServers?: { clusters: Cluster[]; bouncer: PgBouncer } };
  servers.scaleServers = { clusters: [standby, primary], bouncer };
  await migrateFromScratch(primary.url());
  // After the migrations (which recreate the public schema); the standby replays it.
  await primary.query('CREATE EXTENSION pg_stat_statements');
  await bouncer.start();
  Object.assign(process.env, {
    APP_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DATABASE_URL: bouncer.url(),
    DB_POOLER: 'transaction',
    DATABASE_MIGRATION_URL: primary.url(),
    SCALE_PRIMARY_PORT: String(primaryPort),
    SCALE_STANDBY_PORT: String(standbyPort),
  });
}
