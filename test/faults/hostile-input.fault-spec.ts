import fc from 'fast-check';
import { Exchange, send } from './exchange';
import { recordFigures } from './figures';
import { PrivatePostgres } from './private-postgres';
import { ServiceProcess } from '../process-harness';
import { faultService } from './service-process';
import { freePort } from './timing';

/**
 * Generated hostile input against a real service process: bodies, query strings,
 * ids in paths and headers. Properties: never a 5xx; every error in the contract's
 * shape with the request's id; every accepted record read back as sent.
 */

const BATCH = 8; // requests in flight at once
const TIMEOUT_MS = 10_000;
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MADE_ID = /^req_[A-Za-z0-9_-]{16,}$/;

// ---------- generators ----------

const tricky = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d',
  '\ude00',
  '\ufe0f',
  '\ufe0e',
  '\u200b',
  '\ufeff',
  '\u202e',
  '\u00a0',
  '\u2028',
  '\ud83d\ude00',
  'e\u0301',
  ' ',
  '\t',
  '\n',
  '"',
  '\\',
  '%',
  '&',
  '=',
  '?',
  '#',
  '/',
  '.',
  '+',
  '[',
  ']',
  '{',
  '}',
  ':',
  "'",
  '`',
  '<',
  '>',
];
const hostileChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...tricky) },
);
const hostileString = (maxLength = 16) => fc.string({ unit: hostileChar, maxLength });
/** Strings at and around the 1-64 character bounds, counted every way there is. */
const boundaryString = fc.constantFrom(
  '',
  ' ',
  '   x   ',
  'a'.repeat(64),
  'a'.repeat(65),
  ` ${'a'.repeat(64)} `,
  'a\ufe0f'.repeat(64),
  'a\ufe0f'.repeat(33),
  '\ud83d\ude00'.repeat(64),
  '\ud83d\ude00'.repeat(65),
  'e\u0301'.repeat(40),
  '\u00e9'.repeat(64),
  '\ufeff'.repeat(3) + 'x',
  '<<70k>>',
);

// Big strings travel as markers so a failing case prints readably; `expand` sends them.
const expand = (text: string) =>
  text.replaceAll('<<70k>>', 'x'.repeat(70_000)).replaceAll('<<1.1M>>', 'x'.repeat(1_100_000));

/** A JSON value as a tree, so its text can hold duplicate keys and __proto__. */
type Tree =
  | { t: 'raw'; text: string }
  | { t: 'array'; items: Tree[] }
  | { t: 'object'; entries: [string, Tree][] };

/** Strings PostgreSQL can store (no NUL, no lone surrogate), still far from plain ASCII. */
const storableChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...tricky.filter((c) => c !== '\u0000' && !/^[\ud800-\udfff]$/.test(c)),
    ),
  },
);
const storableString = (maxLength = 16) => fc.string({ unit: storableChar, maxLength });

const specialKeys = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  'amount',
  'priority',
  'order_id',
);
const rawNumber = fc.constantFrom(
  '0',
  '-0',
  '-0.0',
  '1e400',
  '-1e400',
  '1e-400',
  '5e-324',
  '1.7976931348623157e308',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.1',
  '1E+2',
  '99.99',
  '-1',
);

/** JSON trees whose strings and keys come from `strings`. */
function trees(strings: fc.Arbitrary<string>) {
  const key = fc.oneof({ weight: 4, arbitrary: strings }, { weight: 1, arbitrary: specialKeys });
  const leaf: fc.Arbitrary<Tree> = fc.oneof(
    fc.constantFrom('null', 'true', 'false').map((text) => ({ t: 'raw' as const, text })),
    fc
      .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
      .map((n) => ({ t: 'raw' as const, text: JSON.stringify(n) })),
    rawNumber.map((text) => ({ t: 'raw' as const, text })),
    fc
      .oneof({ weight: 5, arbitrary: strings }, { weight: 1, arbitrary: boundaryString })
      .map((s) => ({ t: 'raw' as const, text: JSON.stringify(s) })),
  );
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: 6 },
      leaf,
      fc.array(tie('tree'), { maxLength: 4 }).map((items) => ({ t: 'array' as const, items })),
      fc
        .array(fc.tuple(key, tie('tree')), { maxLength: 5 })
        .map((entries) => ({ t: 'object' as const, entries })),
    ),
  }));
  const object: fc.Arbitrary<Tree> = fc
    .array(fc.tuple(key, tree), { maxLength: 6 })
    .map((entries) => ({ t: 'object' as const, entries }));
  return { key, tree, object };
}
const storable = trees(storableString());
const hostile = trees(
  fc.oneof(
    { weight: 3, arbitrary: hostileString() },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff') },
  ),
);
const key = hostile.key;
const tree = hostile.tree;
/** Objects nested 1-40 deep: the limit is 32. */
const deep = fc.integer({ min: 1, max: 40 }).map((depth) => {
  let node: Tree = { t: 'object', entries: [] };
  for (let level = 1; level < depth; level++) node = { t: 'object', entries: [['d', node]] };
  return node;
});
const objectTree: fc.Arbitrary<Tree> = fc.oneof(
  { weight: 6, arbitrary: storable.object },
  { weight: 3, arbitrary: hostile.object },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: tree },
);

function text(node: Tree): string {
  switch (node.t) {
    case 'raw':
      return node.text;
    case 'array':
      return `[${node.items.map(text).join(',')}]`;
    case 'object':
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${text(v)}`).join(',')}}`;
  }
}

const stringLeaf = (s: string): Tree => ({ t: 'raw', text: JSON.stringify(s) });
const fieldValue = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('api', 'order', 'refund', ' web ').map(stringLeaf) },
  { weight: 3, arbitrary: storableString(20).map(stringLeaf) },
  { weight: 3, arbitrary: hostileString(20).map(stringLeaf) },
  { weight: 2, arbitrary: boundaryString.map(stringLeaf) },
  { weight: 1, arbitrary: tree },
);
const recordBody = fc
  .record({
    source: fieldValue,
    category: fieldValue,
    payload: objectTree,
    // Now and then a field the contract does not know.
    extra: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.tuple(key, tree) },
    ),
  })
  .map(({ source, category, payload, extra }) => {
    const entries: [string, Tree][] = [
      ['source', source],
      ['category', category],
      ['payload', payload],
    ];
    if (extra) entries.push(extra);
    return text({ t: 'object', entries });
  });
const garbageBody = fc.oneof(
  hostileString(40),
  tree.map(text),
  recordBody.map((body) => body.slice(0, Math.floor(body.length / 2))),
  fc.constantFrom('', '{', '}', 'null', '[]', '""', '{"source":', '\u0000', '{"a":1}{"b":2}'),
  fc.constant('{"source":"api","category":"order","payload":{"blob":"<<1.1M>>"}}'),
);
const rawBytes = fc.uint8Array({ maxLength: 64 });

const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\t', ' ') },
);
const headerValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 40 }),
  fc.constantFrom(
    '',
    'a'.repeat(128),
    'a'.repeat(129),
    'x'.repeat(300),
    'Trace-1.2:3_abc',
    '"quoted"',
  ),
);
const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
      'application/merge-patch+json',
      'application/problem+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '*/*',
      'application/json;;',
      'json',
      '',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);
const commonHeaders = fc.record(
  { 'X-Request-ID': headerValue, 'Idempotency-Key': headerValue },
  { requiredKeys: [] },
);

/** Percent-encodes anything, lone surrogates included (as the bytes of U+FFFD's neighbours would be). */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return Buffer.from(value, 'utf8').toString('hex').replace(/(..)/g, '%$1');
  }
}
const pathPart = fc.oneof(
  { weight: 3, arbitrary: hostileString(20).map(encode) },
  { weight: 2, arbitrary: fc.uuid().map((id) => (Math.random() < 0.5 ? id : id.toUpperCase())) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '%zz',
      '%ED%A0%80',
      '%00',
      '%FF',
      '..',
      '.',
      '%2e%2e',
      '%2F',
      'x'.repeat(5000),
      '00000000-0000-0000-0000-000000000000',
      '{id}',
      '%E2%80%AE',
      '1;DROP TABLE records',
    ),
  },
);
const queryValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '-1',
      '0',
      '1',
      '200',
      '201',
      '1e2',
      '1.5',
      ' 5',
      '9007199254740993',
      '99999999999999999999',
      'pending',
      'processed',
      'failed',
      'PENDING',
      'asc',
      'desc',
      'DESC',
      'created_at',
      'status',
      'id',
      'payload',
      '2026-01-01',
      '2026-02-30',
      '2026-01-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999999999Z',
      '2026-01-01T00:00:00+14:00',
      '1970-01-01',
      '294277-01-01T00:00:00Z',
    ),
  },
  { weight: 2, arbitrary: hostileString(20) },
  { weight: 1, arbitrary: boundaryString.filter((s) => s !== '<<70k>>') },
);
const query = (keys: string[]) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...keys) },
          { weight: 1, arbitrary: hostileString(6) },
        ),
        queryValue,
      ),
      { maxLength: 5 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));

const LIST_KEYS = [
  'status',
  'category',
  'source',
  'created_after',
  'created_before',
  'limit',
  'offset',
  'sort_by',
  'sort_order',
  'cursor',
  'limit[]',
  'status[0]',
  '__proto__',
  'constructor',
];
const SUMMARY_KEYS = ['category', 'source', 'date_from', 'date_to', 'date_from[]', '__proto__'];

// ---------- the canonical form of a JSON value, for "read back as sent" ----------

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'number' && Object.is(value, -0)) return '0';
  return JSON.stringify(value);
}

describe('hostile input, generated (fast-check), against a real service process', () => {
  let pg: PrivatePostgres;
  let svc: ServiceProcess;
  const exchanges: Exchange[] = [];
  const created: string[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    pg = new PrivatePostgres('.data/faults-pg', await freePort(), 'hostile_test');
    await pg.start();
    await pg.recreateDatabase();
    svc = faultService('hostile', await freePort(), {
      DATABASE_URL: pg.url,
      DB_POOL_SIZE: '10',
    });
    await svc.start();
  }, 120_000);

  afterAll(async () => {
    await svc?.stop();
    await pg?.shutdown();
    const accepted = exchanges.filter(
      (e) => e.method === 'POST' && e.path === '/records' && e.status === 201,
    );
    recordFigures({
      scenario: 'hostile input (fast-check)',
      faults: 0,
      requests: exchanges.length,
      acknowledged: accepted.length,
      lost: failures.filter((f) => f.startsWith('read back')).length,
      doubleProcessed: 0,
      serverErrors: exchanges.filter((e) => (e.status ?? 0) >= 500).length,
      unavailable: 0,
      hangs: exchanges.filter((e) => e.timedOut).length,
      longestOutageWaitMs: 0,
    });
  }, 60_000);

  interface Req {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
  }

  /** Sends a request and checks what holds for every answer; returns the exchange. */
  async function exchange(req: Req): Promise<Exchange> {
    const sent = await send({
      target: svc.url,
      method: req.method,
      path: req.path,
      kind: 'read',
      headers: req.headers,
      body: typeof req.body === 'string' ? expand(req.body) : req.body,
      timeoutMs: TIMEOUT_MS,
    });
    exchanges.push(sent);
    const where = `${req.method} ${req.path.slice(0, 200)}`;
    if (sent.status === undefined)
      throw new Error(`${where}: no answer (${sent.networkError ?? 'timeout'})`);
    if (sent.status >= 500)
      throw new Error(`${where}: ${sent.status} ${sent.rawBody?.slice(0, 300)}`);
    const requestId = sent.headers?.['x-request-id'] ?? '';
    // HTTP drops a header value's leading and trailing whitespace on the wire.
    const asked = req.headers?.['X-Request-ID']?.replace(/^[\t ]+|[\t ]+$/g, '');
    const expectedId = asked !== undefined && CLIENT_ID.test(asked) ? asked : undefined;
    if (expectedId ? requestId !== expectedId : !MADE_ID.test(requestId)) {
      throw new Error(
        `${where}: X-Request-ID ${JSON.stringify(requestId)} for ${JSON.stringify(asked)}`,
      );
    }
    if (sent.status >= 400) {
      const body = sent.body as Record<string, unknown> | undefined;
      const shapeOk =
        (sent.headers?.['content-type'] ?? '').startsWith('application/problem+json') &&
        body !== undefined &&
        ['error', 'message', 'request_id', 'type', 'title', 'detail', 'instance'].every(
          (field) => typeof body[field] === 'string',
        ) &&
        body.status === sent.status &&
        body.request_id === requestId &&
        body.instance === new URL(`${svc.url}${req.path}`).pathname;
      if (!shapeOk) {
        throw new Error(
          `${where}: error not in the contract's shape: ${sent.status} ${sent.rawBody?.slice(0, 300)}`,
        );
      }
    }
    return sent;
  }

  async function batch(
    requests: Req[],
    after?: (req: Req, sent: Exchange) => void | Promise<void>,
  ) {
    await Promise.all(
      requests.map(async (req) => {
        const sent = await exchange(req);
        if (after) await after(req, sent);
      }),
    );
  }

  function withHeaders(headers: Record<string, string>, extra: Record<string, string> = {}) {
    return { ...extra, ...headers };
  }

  it('POST /records: arbitrary bodies and headers never give a 5xx; accepted records read back as sent', async () => {
    const request = fc.record({
      body: fc.oneof(
        { weight: 8, arbitrary: recordBody },
        { weight: 2, arbitrary: garbageBody },
        { weight: 1, arbitrary: rawBytes },
      ),
      contentType,
      headers: commonHeaders,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: BATCH, maxLength: BATCH }),
        async (requests) => {
          await batch(
            requests.map(({ body, contentType: type, headers }) => ({
              method: 'POST',
              path: '/records',
              headers: withHeaders(headers, type === '' ? {} : { 'Content-Type': type }),
              body,
            })),
            async (req, sent) => {
              if (sent.status !== 201) return;
              const record = sent.body as {
                id: string;
                source: string;
                category: string;
                payload: unknown;
              };
              created.push(record.id);
              const sentJson = JSON.parse(
                typeof req.body === 'string' ? req.body : Buffer.from(req.body!).toString('utf8'),
              ) as { source: string; category: string; payload: unknown };
              const back = await exchange({ method: 'GET', path: `/records/${record.id}` });
              const problems: string[] = [];
              if (back.status !== 200) problems.push(`read back ${record.id}: ${back.status}`);
              if (sent.headers?.location !== `/records/${record.id}`) problems.push('Location');
              for (const answer of [record, back.body as typeof record]) {
                if (canonical(answer?.payload) !== canonical(sentJson.payload))
                  problems.push(
                    `read back payload differs: sent ${canonical(sentJson.payload).slice(0, 200)} got ${canonical(answer?.payload).slice(0, 200)}`,
                  );
                if (
                  answer?.source !== sentJson.source.trim() ||
                  answer?.category !== sentJson.category.trim()
                )
                  problems.push(`read back source/category differ`);
              }
              if (problems.length) {
                failures.push(...problems);
                throw new Error(problems.join('; '));
              }
            },
          );
        },
      ),
      { numRuns: 750 },
    );
  });

  it('GET /records and /reports/summary: arbitrary query strings are 200 or a 400 problem', async () => {
    const request = fc.record({
      list: fc.boolean(),
      listQuery: query(LIST_KEYS),
      summaryQuery: query(SUMMARY_KEYS),
      headers: commonHeaders,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: BATCH, maxLength: BATCH }),
        async (requests) => {
          await batch(
            requests.map(({ list, listQuery, summaryQuery, headers }) => ({
              method: 'GET',
              path: list ? `/records?${listQuery}` : `/reports/summary?${summaryQuery}`,
              headers,
            })),
            (req, sent) => {
              if (sent.status !== 200 && sent.status !== 400) {
                throw new Error(`GET ${req.path}: ${sent.status}`);
              }
            },
          );
        },
      ),
      { numRuns: 250 },
    );
  });

  it('ids in paths: GET, events, process and retry never give a 5xx', async () => {
    const request = fc.record({
      route: fc.constantFrom('get', 'events', 'process', 'retry'),
      id: fc.oneof(
        { weight: 5, arbitrary: pathPart },
        { weight: 1, arbitrary: fc.constant('existing') },
      ),
      headers: commonHeaders,
      pick: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: BATCH, maxLength: BATCH }),
        async (requests) => {
          await batch(
            requests.map(({ route, id, headers, pick }) => {
              const target =
                id === 'existing' && created.length ? created[pick % created.length] : id;
              const path = `/records/${target}${route === 'get' ? '' : `/${route}`}`;
              return {
                method: route === 'get' || route === 'events' ? 'GET' : 'POST',
                path,
                headers,
              };
            }),
          );
        },
      ),
      { numRuns: 250 },
    );
  });

  it('the service is healthy afterwards, having answered at least 10,000 generated requests', async () => {
    const health = await exchange({ method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
    expect(exchanges.length).toBeGreaterThanOrEqual(10_000);
    expect(failures).toEqual([]);
  });
});
