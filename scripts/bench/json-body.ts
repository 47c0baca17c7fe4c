/**
 * Micro-benchmark: parseJsonBody (src/common/json-body.ts) against JSON.parse on typical
 * request bodies, as Buffers the way the body reader gets them. Prints microseconds per
 * body and the ratio; asserts nothing.
 *   npx ts-node --transpile-only scripts/bench/json-body.ts
 */
import { parseJsonBody } from '../../src/common/json-body';

const BODIES: Record<string, unknown> = {
  'create (the README example)': {
    source: 'api',
    category: 'order',
    payload: { order_id: '12345', amount: 99.99 },
  },
  'create, 2 KiB payload': {
    source: 'web',
    category: 'refund',
    payload: {
      customer: { id: 'c-8812', name: 'Zoë Müller', email: 'zoe@example.com', tier: 3 },
      items: Array.from({ length: 12 }, (_, i) => ({
        sku: `SKU-${1000 + i}`,
        quantity: i + 1,
        price: 19.99 + i,
        tags: ['a', 'b', 'ünïcode ✓'],
        note: i % 3 === 0 ? 'line with "quotes" and \\ backslash\n' : null,
      })),
      total: 1234.56,
      flags: { gift: false, express: true },
    },
  },
  'bulk retry filter': { category: 'order', source: 'api', limit: 100 },
};

function time(label: string, run: () => void, rounds: number): number {
  for (let i = 0; i < rounds / 10; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run();
  return Number(process.hrtime.bigint() - start) / 1000 / rounds;
}

for (const [name, value] of Object.entries(BODIES)) {
  const raw = Buffer.from(JSON.stringify(value));
  const rounds = 200_000;
  const native = time('JSON.parse', () => JSON.parse(raw.toString('utf8')), rounds);
  const ours = time('parseJsonBody', () => parseJsonBody(raw), rounds);
  console.log(
    `${name} (${raw.length} bytes): JSON.parse ${native.toFixed(2)} µs, parseJsonBody ${ours.toFixed(2)} µs (x${(ours / native).toFixed(1)})`,
  );
}
