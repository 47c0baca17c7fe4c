import { createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import { describeUrl, isReplicaFailure, Replica, Replicas } from './replicas';

/** A port that refuses connections: a listener opened, its port noted, then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('Replicas', () => {
  const logged: string[] = [];
  const logger = {
    log: (message: string) => logged.push(`log ${message}`),
    warn: (message: string) => logged.push(`warn ${message}`),
    error: (message: string) => logged.push(`error ${message}`),
  };
  let replicas: Replicas;

  beforeEach(async () => {
    logged.length = 0;
    const port = await closedPort();
    const pool = () => new Pool({ connectionString: `postgres://u@127.0.0.1:${port}/db`, max: 1 });
    replicas = new Replicas(
      [new Replica('a', pool()), new Replica('b', pool()), new Replica('c', pool())],
      60_000,
      logger,
    );
  });
  afterEach(() => replicas.onApplicationShutdown());

  it('takes the replicas in turn', () => {
    expect([1, 2, 3, 4].map(() => replicas.pick()?.name)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('skips a failed replica until its retry time, then tries it again', () => {
    const [a] = replicas.all;
    replicas.failed(a, new Error('refused'));
    expect([1, 2, 3].map(() => replicas.pick()?.name)).toEqual(['b', 'c', 'b']);
    expect(replicas.pick(a.retryAt)?.name).toBe('c');
    expect(replicas.pick(a.retryAt)?.name).toBe('a');
  });

  it('hands a replica due for a retry to one caller only, until it answers', () => {
    const [a] = replicas.all;
    replicas.failed(a, new Error('refused'));
    const due = a.retryAt;
    expect([1, 2, 3, 4].map(() => replicas.pick(due)?.name)).toEqual(['a', 'b', 'c', 'b']);
    // a is being probed: every other read skips it, however late.
    expect([1, 2, 3].map(() => replicas.pick(due + 60_000)?.name)).toEqual(['c', 'b', 'c']);
    replicas.succeeded(a);
    expect([1, 2, 3].map(() => replicas.pick()?.name)).toEqual(['a', 'b', 'c']);
  });

  it('lets one read wait on a black-holed replica while the others go to the primary', async () => {
    let connected: (socket: Socket) => void = () => undefined;
    const accepted = new Promise<Socket>((resolve) => (connected = resolve));
    const blackHole = createServer((socket) => connected(socket));
    await new Promise<void>((done) => blackHole.listen(0, '127.0.0.1', done));
    const { port } = blackHole.address() as { port: number };
    const silent = new Replicas(
      [new Replica('silent', new Pool({ connectionString: `postgres://u@127.0.0.1:${port}/db` }))],
      60_000,
      logger,
    );
    const [replica] = silent.all;
    silent.failed(replica, new Error('timed out'));
    replica.retryAt = 0;
    let probeSettled = false;
    const probe = silent
      .read((pool) => pool.query('SELECT 1'))
      .finally(() => (probeSettled = true));
    const others = await Promise.all(
      [1, 2, 3].map(() => silent.read((pool) => pool.query('SELECT 1'))),
    );
    expect(others).toEqual([undefined, undefined, undefined]);
    expect(probeSettled).toBe(false);
    expect(silent.fallbackReads).toBe(3);
    // The black hole hangs up: the probe fails over too, and the replica stays skipped.
    (await accepted).destroy();
    await expect(probe).resolves.toBeUndefined();
    expect(replica).toMatchObject({ down: true, probing: false });
    await silent.onApplicationShutdown();
    await new Promise<void>((done) => blackHole.close(() => done()));
  });

  it('answers undefined (read from the primary) when every replica is skipped', () => {
    for (const replica of replicas.all) replicas.failed(replica, new Error('refused'));
    expect(replicas.pick()).toBeUndefined();
  });

  it('logs a replica going down once and coming back once', () => {
    const [a] = replicas.all;
    replicas.failed(a, new Error('refused'));
    replicas.failed(a, new Error('refused again'));
    replicas.succeeded(a);
    replicas.succeeded(a);
    expect(logged).toEqual([
      'warn read replica a unavailable (refused); its reads go to the primary, retried in 60000 ms',
      'log read replica a is back; reads go to it again',
    ]);
  });

  it('falls back from a replica that refuses connections, marks it down and counts the read', async () => {
    const answer = await replicas.read((pool) => pool.query('SELECT 1'));
    expect(answer).toBeUndefined();
    expect(replicas.all[0].down).toBe(true);
    expect(replicas.fallbackReads).toBe(1);
    expect(logged).toEqual([
      expect.stringMatching(/^warn read replica a unavailable \(.*ECONNREFUSED/),
    ]);
  });

  it('passes on an error the primary would give too', async () => {
    const badQuery = Object.assign(new Error('syntax error'), { code: '42601' });
    await expect(replicas.read(() => Promise.reject(badQuery))).rejects.toBe(badQuery);
    expect(replicas.all[0].down).toBe(false);
    expect(replicas.fallbackReads).toBe(0);
  });

  it('tells replica failures from statement timeouts and bad queries', () => {
    expect(isReplicaFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isReplicaFailure(Object.assign(new Error('shutdown'), { code: '57P01' }))).toBe(true);
    expect(isReplicaFailure(Object.assign(new Error('conflict'), { code: '40001' }))).toBe(true);
    expect(isReplicaFailure(Object.assign(new Error('timeout'), { code: '57014' }))).toBe(false);
    expect(isReplicaFailure(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(false);
  });

  it('names a replica by host, port and database, never its password', () => {
    expect(describeUrl('postgres://u:secret@db-2:6432/workflow')).toBe('db-2:6432/workflow');
    expect(describeUrl('postgres://u@db-3/workflow')).toBe('db-3:5432/workflow');
  });
});
