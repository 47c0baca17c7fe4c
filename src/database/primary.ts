import { Logger, LoggerService } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';
import type { Socket } from 'node:net';
import { DatabaseHost, parseDatabaseHosts, serverTrouble } from './database-hosts';

/** How long to wait between two rounds of asking every host whether it takes writes. */
const ROUND_PAUSE_MS = 250;

export interface PrimaryOptions {
  /** Longest search for a host that takes writes, after a failure; then it gives up (logged). */
  failoverTimeoutMs: number;
  /** Bound of one probe (connect and `SHOW transaction_read_only`). */
  probeTimeoutMs: number;
}

/** What a connection gets while the primary is being looked for: a 503 with Retry-After. */
export class PrimaryUnavailableError extends Error {
  // SQLSTATE class 08 (connection exception): mapped to 503 like a refused connection.
  readonly code = '08001';
  constructor(hosts: string) {
    super(`Looking for the primary among ${hosts}: no host takes writes yet`);
  }
}

/**
 * Which host of DATABASE_URL is the primary, and following it when it moves.
 *
 * The TypeORM pool makes its connections with `Client` (a pg.Client that connects to
 * the current primary). A connection that is lost, or a write refused as read-only
 * (25006), starts a search: the current host is asked first whether it takes writes
 * (`SHOW transaction_read_only`); if it does not, every connection of the pool is
 * dropped and, until some host does, new connections fail at once (503 with
 * Retry-After). The search ends when a host takes writes, or gives up after
 * `failoverTimeoutMs` (logged; the next failure starts another). With one host (a DNS
 * name or a pooler that is re-pointed on failover) the same search waits for that
 * address to take writes again.
 */
export class Primary {
  private current: DatabaseHost;
  /** True while no host is known to take writes: connections are refused at once. */
  looking = false;
  private search?: Promise<void>;
  private closed = false;
  /** Until a pooled connection has succeeded once, start-up's own retries say what failed. */
  private connectedOnce = false;
  private readonly clients = new Set<PrimaryClient>();
  private readonly names: string;

  constructor(
    readonly hosts: DatabaseHost[],
    private readonly options: PrimaryOptions,
    private readonly logger: LoggerService = new Logger('Database'),
  ) {
    this.current = hosts[0];
    this.names = hosts.map((host) => host.name).join(', ');
  }

  get hostNames(): string {
    return this.names;
  }

  /** The primary among the hosts of `url`; with several, asked at start-up within `timeoutMs`. */
  static async find(
    url: string,
    options: PrimaryOptions,
    timeoutMs: number,
    logger?: LoggerService,
  ): Promise<Primary> {
    const primary = new Primary(parseDatabaseHosts(url), options, logger);
    if (primary.hosts.length === 1) return primary; // start-up retries that one (startup.ts)
    if (await primary.lookUntil(Date.now() + timeoutMs)) return primary;
    throw new Error(
      `No host of DATABASE_URL (${primary.names}) took writes within ${Math.round(timeoutMs / 1000)} s`,
    );
  }

  /** The URL of the host new connections go to. */
  get url(): string {
    return this.current.url;
  }

  get name(): string {
    return this.current.name;
  }

  /** The pg.Client class for the pool (TypeORM's `extra.Client`). */
  get Client(): new (config: ClientConfig) => Client {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const primary = this;
    return class extends PrimaryClient {
      constructor(config: ClientConfig) {
        super(primary, config);
      }
    };
  }

  /** A connection of the pool reported `error`: look again if it says the primary is gone. */
  noticed(error: unknown, client?: PrimaryClient): void {
    const trouble = serverTrouble(error);
    if (!trouble || this.closed || !this.connectedOnce) return;
    if (client && client.server !== this.current) {
      client.drop(); // made before the last move: it reaches the old primary
      return;
    }
    if (trouble === 'read-only') {
      this.logger.warn(`${this.current.name} refused a write as read-only; dropping connections`);
      this.dropConnections();
    }
    this.search ??= this.follow().finally(() => (this.search = undefined));
  }

  connected(): void {
    this.connectedOnce = true;
  }

  track(client: PrimaryClient): void {
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
  }

  /** Stops searching (shutdown); connections are ended by the pool. */
  close(): void {
    this.closed = true;
  }

  /** Waits for a running search to end (tests, shutdown). */
  async settled(): Promise<void> {
    await this.search;
  }

  private async follow(): Promise<void> {
    if (await this.takesWrites(this.current)) return; // a lost connection, not a lost primary
    this.looking = true;
    this.dropConnections();
    const started = Date.now();
    this.logger.warn(
      `primary ${this.current.name} lost; looking for the primary among ${this.names} (503 until found, at most ${this.options.failoverTimeoutMs} ms)`,
    );
    const found = await this.lookUntil(started + this.options.failoverTimeoutMs);
    this.looking = false;
    if (found) {
      this.logger.log(`primary is now ${this.current.name} (found in ${Date.now() - started} ms)`);
    } else if (!this.closed) {
      this.logger.error(
        `no host of ${this.names} took writes within ${this.options.failoverTimeoutMs} ms; connecting to ${this.current.name} again`,
      );
    }
  }

  /** Asks every host, the current one first, round after round, until one takes writes. */
  private async lookUntil(deadline: number): Promise<boolean> {
    const order = [this.current, ...this.hosts.filter((host) => host !== this.current)];
    while (!this.closed) {
      const answers = await Promise.all(order.map((host) => this.takesWrites(host)));
      const index = answers.indexOf(true);
      if (index >= 0) {
        this.current = order[index];
        return true;
      }
      if (Date.now() + ROUND_PAUSE_MS > deadline) return false;
      await new Promise((wake) => setTimeout(wake, ROUND_PAUSE_MS));
    }
    return false;
  }

  /** Whether `host` answers and takes writes (not a standby, not read-only). */
  private async takesWrites(host: DatabaseHost): Promise<boolean> {
    const client = new Client({
      connectionString: host.url,
      connectionTimeoutMillis: this.options.probeTimeoutMs,
      query_timeout: this.options.probeTimeoutMs,
      application_name: 'workflow-service-probe',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ transaction_read_only: string }>(
        'SHOW transaction_read_only',
      );
      return rows[0]?.transaction_read_only === 'off';
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private dropConnections(): void {
    for (const client of this.clients) client.drop();
  }
}

/**
 * A pooled connection to the current primary. It refuses to connect while the primary
 * is being looked for, and reports the errors it meets to Primary.noticed().
 */
class PrimaryClient extends Client {
  /** The host this connection was made for. */
  readonly server: DatabaseHost;

  constructor(primary: Primary, config: ClientConfig) {
    // The connection string wins over host and port in node-postgres.
    super({ ...config, connectionString: primary.url });
    this.server = primary.hosts.find((host) => host.url === primary.url) ?? primary.hosts[0];
    primary.track(this);
    // An idle connection that breaks (the server was killed) starts the search at once.
    this.on('error', (error) => primary.noticed(error, this));
    this.once('connect', () => primary.connected());
    const notice = (error: unknown) => primary.noticed(error, this);

    // Instance methods over pg's (whose overloads a subclass cannot restate): the
    // callback form is what pg-pool uses, the promise form what TypeORM uses.
    const connect = super.connect.bind(this) as (callback: (error?: Error) => void) => void;
    this.connect = ((callback?: (error?: Error) => void) => {
      const attempt = new Promise<void>((done, fail) => {
        if (primary.looking) throw new PrimaryUnavailableError(primary.hostNames);
        connect((error) => (error ? fail(error) : done()));
      }).catch((error: unknown) => {
        if (!(error instanceof PrimaryUnavailableError)) notice(error);
        throw error;
      });
      if (!callback) return attempt;
      attempt.then(() => callback(), callback);
    }) as Client['connect'];

    const query = super.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        const done = last as (error: unknown, result: unknown) => void;
        args[args.length - 1] = (error: unknown, result: unknown) => {
          if (error) notice(error);
          done(error, result);
        };
        return query(...args);
      }
      const result = query(...args);
      if (result instanceof Promise) result.catch(notice);
      return result;
    }) as Client['query'];
  }

  /** Ends the connection at once: the pool forgets it (an idle one) or its user's query fails. */
  drop(): void {
    const stream = (this as unknown as { connection?: { stream?: Socket } }).connection?.stream;
    stream?.destroy();
  }
}
