import { Client } from 'pg';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { DataSource } from 'typeorm';

/**
 * LISTEN on one channel, on a connection of its own (outside the pool), calling
 * `onNotify` for each notification: a wake-up hint only. A notification sent while
 * the connection is down is lost, so callers poll as well; the connection is made
 * again on the next `ensure()` after it broke. Useless behind a transaction pooler
 * (PgBouncer does not keep LISTEN sessions): callers do not start it there.
 */
export class NotificationListener {
  private client?: Client;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {}

  /** Connects and listens if not already; failures are left to the next call. */
  ensure(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const options = this.dataSource.options as PostgresConnectionOptions;
    const client = new Client({
      connectionString: options.url,
      application_name: 'workflow-listen',
    });
    const drop = () => {
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', () => this.onNotify());
    try {
      await client.connect();
      // The channel is a constant of the caller, not user input.
      await client.query(`LISTEN ${this.channel}`);
      if (this.closed) return drop();
      this.client = client;
    } catch {
      drop();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
