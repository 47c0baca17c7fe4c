import request from 'supertest';
import { DataSource } from 'typeorm';
import { Database } from '../src/database/database';
import { MIGRATION_LOCK_KEY } from '../src/database/startup';
import { startTestApp, TestApp } from './app';
import { connectTestClient, waitFor } from './process-harness';

describe('Database layer (e2e)', () => {
  describe('entities and migrations', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.app.close();
    });

    const schemaChanges = async (db: DataSource) =>
      (await db.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);

    it('agree: TypeORM finds nothing to change on the migrated database', async () => {
      expect(await schemaChanges(t.db)).toEqual([]);
    });

    it('would notice a column the entities do not describe', async () => {
      await t.db.query('ALTER TABLE records ADD COLUMN drift_probe integer');
      try {
        expect(await schemaChanges(t.db)).toEqual([
          'ALTER TABLE "records" DROP COLUMN "drift_probe"',
        ]);
      } finally {
        await t.db.query('ALTER TABLE records DROP COLUMN drift_probe');
      }
    });
  });

  describe('start-up migrations', () => {
    it('leave every pooled connection with the configured statement timeout', async () => {
      const t = await startTestApp({ DB_POOL_SIZE: '3', DB_STATEMENT_TIMEOUT_MS: '4321' });
      try {
        const pool = t.app.get(Database).pool!;
        // All of the pool's connections at once: the one that ran the migrations among them.
        const clients = await Promise.all([1, 2, 3].map(() => pool.connect()));
        try {
          const settings = await Promise.all(
            clients.map(async (client) => (await client.query('SHOW statement_timeout')).rows[0]),
          );
          expect(settings).toEqual([1, 2, 3].map(() => ({ statement_timeout: '4321ms' })));
        } finally {
          for (const client of clients) client.release();
        }
      } finally {
        await t.app.close();
      }
    });

    it('wait behind another instance holding the migration lock for longer than the lock timeout', async () => {
      const holder = await connectTestClient();
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const starting = startTestApp({ DB_LOCK_TIMEOUT_MS: '100' });
      let t: TestApp | undefined;
      try {
        await waitFor('the second instance to wait for the migration lock', async () => {
          const { rows } = await holder.query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`,
            [MIGRATION_LOCK_KEY],
          );
          return rows.length > 0 || undefined;
        });
        // Held for several lock timeouts, as a long migration on another instance would.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        t = await starting;
        await request(t.http).get('/health').expect(200);
      } finally {
        await holder.end();
        await (t ?? (await starting.catch(() => undefined)))?.app.close();
      }
    });
  });
});
