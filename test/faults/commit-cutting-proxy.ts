import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy between the service and PostgreSQL that can lose the reply to a
 * COMMIT: armed, it forwards the next simple-query `COMMIT` to the server, waits
 * for the server's answer (so the transaction has committed) and, instead of
 * passing it on, cuts both connections. The service then cannot know whether its
 * transaction committed: the case an idempotent client retry must survive.
 */
export class CommitCuttingProxy {
  private server?: Server;
  private armed = false;
  /** How many COMMIT replies were withheld. */
  cuts = 0;

  constructor(
    readonly port: number,
    private readonly upstreamPort: number,
  ) {}

  /** The next COMMIT any connection sends commits, and its reply is lost. */
  loseNextCommitReply(): void {
    this.armed = true;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', done));
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private pipe(client: Socket): void {
    const upstream = createConnection(this.upstreamPort, '127.0.0.1');
    let pending = Buffer.alloc(0);
    let startup = true;
    let cutting = false;
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);

    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Walk whole frontend messages: the startup packet has no type byte, every later
      // message is a type byte and a length that counts itself.
      for (;;) {
        const header = startup ? 0 : 1;
        if (pending.length < header + 4) break;
        const length = pending.readUInt32BE(header);
        if (pending.length < header + length) break;
        const message = pending.subarray(0, header + length);
        pending = pending.subarray(header + length);
        if (startup) {
          // An SSLRequest (80877103) is answered 'N' by PostgreSQL; the real startup follows.
          startup = length === 8 && message.readUInt32BE(4) === 80877103;
        } else if (this.armed && message[0] === 0x51 /* 'Q' */) {
          const query = message.subarray(5, message.length - 1).toString('utf8');
          if (query.trim().toUpperCase() === 'COMMIT') {
            this.armed = false;
            cutting = true;
          }
        }
        upstream.write(message);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) {
        // The server answered the COMMIT: it has committed. The reply is never delivered.
        this.cuts++;
        close();
        return;
      }
      client.write(chunk);
    });
  }
}
