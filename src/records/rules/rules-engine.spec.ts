import { RuleSet } from './rule-set';
import { evaluate } from './rules-engine';
import { loadRuleSet } from './rules-file';

const classified = (rule: string, classification: string, score: string) => ({
  outcome: 'classified',
  rule,
  classification,
  score,
});
const failed = (error: string) => ({ outcome: 'failed', error });

describe('evaluate with the default rules', () => {
  const rules = loadRuleSet();

  it.each([
    [
      'the contract example',
      'order',
      { order_id: '12345', amount: 99.99 },
      classified('high-value-order', 'high_value', '0.95'),
    ],
    ['a small order', 'order', { amount: 10 }, classified('standard-order', 'standard', '0.60')],
    [
      'an urgent order',
      'order',
      { amount: 10, priority: 9 },
      classified('urgent', 'urgent', '0.90'),
    ],
    [
      'a large refund',
      'refund',
      { amount: 500 },
      classified('large-refund', 'refund_review', '0.80'),
    ],
    ['a refund', 'refund', { amount: 20 }, classified('refund', 'refund', '0.50')],
    [
      'a category with no rule',
      'signup',
      { email: 'a@b.c' },
      classified('default', 'general', '0.30'),
    ],
    [
      'an order without amount',
      'order',
      { order_id: '1' },
      failed("payload.amount is required for category 'order'"),
    ],
    [
      'an order with a string amount',
      'order',
      { amount: '99.99' },
      failed('payload.amount must be a number, got string'),
    ],
    [
      'an order with a null amount',
      'order',
      { amount: null },
      failed('payload.amount must be a number, got null'),
    ],
    [
      'a non-numeric priority',
      'signup',
      { priority: 'high' },
      failed('payload.priority must be a number, got string'),
    ],
    [
      'an array priority',
      'order',
      { amount: 5, priority: [1] },
      failed('payload.priority must be a number, got array'),
    ],
  ])('%s', (_, category, payload, verdict) => {
    expect(evaluate(rules, category, payload)).toEqual(verdict);
  });
});

describe('evaluate operators and order', () => {
  const ruleSet = (when: RuleSet['rules'][number]['when']): RuleSet => ({
    requirements: [],
    rules: [
      { name: 'match', when, classification: 'hit', score: 1 },
      { name: 'fallback', when: [], classification: 'miss', score: 0 },
    ],
  });
  const verdictOf = (when: RuleSet['rules'][number]['when'], payload: Record<string, unknown>) =>
    (evaluate(ruleSet(when), 'any', payload) as { classification: string }).classification;

  it.each([
    ['eq', 'x', 'x', 'hit'],
    ['eq', 'x', 'y', 'miss'],
    ['ne', 'x', 'y', 'hit'],
    ['ne', 'x', 'x', 'miss'],
    ['gt', 5, 6, 'hit'],
    ['gt', 5, 5, 'miss'],
    ['gte', 5, 5, 'hit'],
    ['gte', 5, 4, 'miss'],
    ['lt', 5, 4, 'hit'],
    ['lt', 5, 5, 'miss'],
    ['lte', 5, 5, 'hit'],
    ['lte', 5, 6, 'miss'],
    ['gt', 5, '6', 'miss'],
    ['gte', 5, '5', 'miss'],
    ['lt', 5, '4', 'miss'],
    ['lte', 5, '5', 'miss'],
    ['gt', '5', 6, 'miss'],
    ['lte', '5', 4, 'miss'],
    ['eq', 1, '1', 'miss'],
    ['eq', null, null, 'hit'],
    ['ne', null, 0, 'hit'],
    ['in', ['a', 'b'], 'b', 'hit'],
    ['in', ['a', 'b'], 'c', 'miss'],
    ['in', [1, 2], '1', 'miss'],
    ['in', 'abc', 'b', 'miss'],
  ] as const)('%s %j against %j -> %s', (op, value, actual, expected) => {
    expect(verdictOf([{ field: 'f', op, value }], { f: actual })).toBe(expected);
  });

  it.each<[string, string, Record<string, unknown>, 'hit' | 'miss']>([
    ['a nested null exists', 'a.b', { a: { b: null } }, 'hit'],
    ['a nested false exists', 'a.b', { a: { b: false } }, 'hit'],
    ['a missing nested key', 'a.b', { a: {} }, 'miss'],
    ['a key under a number', 'a.b', { a: 1 }, 'miss'],
    ['a key under a string', 'a.length', { a: 'text' }, 'miss'],
    ['a key under null', 'a.b', { a: null }, 'miss'],
    ['an index into an array (arrays are not walked)', 'a.0', { a: ['x'] }, 'miss'],
    ['three levels down', 'a.b.c', { a: { b: { c: 0 } } }, 'hit'],
  ])('exists looks at presence: %s', (_, field, payload, expected) => {
    expect(verdictOf([{ field, op: 'exists' }], payload)).toBe(expected);
    expect(verdictOf([{ field, op: 'missing' }], payload)).toBe(
      expected === 'hit' ? 'miss' : 'hit',
    );
  });

  it('missing and exists look at presence only, whatever value the condition also gives', () => {
    expect(verdictOf([{ field: 'a', op: 'missing', value: 1 }], {})).toBe('hit');
    expect(verdictOf([{ field: 'a', op: 'missing', value: 1 }], { a: 1 })).toBe('miss');
    expect(verdictOf([{ field: 'a', op: 'exists', value: 1 }], { a: 2 })).toBe('hit');
    expect(verdictOf([{ field: 'a', op: 'exists', value: 1 }], {})).toBe('miss');
  });

  it('eq never confuses a missing field with null', () => {
    expect(verdictOf([{ field: 'a', op: 'eq', value: null }], {})).toBe('miss');
    expect(verdictOf([{ field: 'a', op: 'ne', value: null }], {})).toBe('hit');
  });

  it('scores with two decimals, from 0 to 1', () => {
    const scored = (score: number) =>
      evaluate(
        { requirements: [], rules: [{ name: 'r', when: [], classification: 'c', score }] },
        'x',
        {},
      );
    expect(scored(1)).toEqual(classified('r', 'c', '1.00'));
    expect(scored(0)).toEqual(classified('r', 'c', '0.00'));
    expect(scored(0.05)).toEqual(classified('r', 'c', '0.05'));
  });

  it('applies a rule only to its category', () => {
    const set: RuleSet = {
      requirements: [],
      rules: [
        { name: 'orders', category: 'order', when: [], classification: 'o', score: 1 },
        { name: 'rest', when: [], classification: 'r', score: 0 },
      ],
    };
    expect(evaluate(set, 'order', {})).toEqual(classified('orders', 'o', '1.00'));
    expect(evaluate(set, 'Order', {})).toEqual(classified('rest', 'r', '0.00'));
  });

  it('never reads through the prototype chain', () => {
    expect(verdictOf([{ field: 'constructor', op: 'exists' }], {})).toBe('miss');
    expect(verdictOf([{ field: 'toString', op: 'exists' }], {})).toBe('miss');
  });

  it('needs every condition of a rule, and the first matching rule wins', () => {
    const set: RuleSet = {
      requirements: [],
      rules: [
        {
          name: 'both',
          when: [
            { field: 'a', op: 'eq', value: 1 },
            { field: 'b', op: 'eq', value: 2 },
          ],
          classification: 'both',
          score: 0.9,
        },
        { name: 'a', when: [{ field: 'a', op: 'eq', value: 1 }], classification: 'a', score: 0.5 },
        {
          name: 'a-too',
          when: [{ field: 'a', op: 'eq', value: 1 }],
          classification: 'never',
          score: 0.1,
        },
      ],
    };
    expect(evaluate(set, 'x', { a: 1, b: 2 })).toEqual(classified('both', 'both', '0.90'));
    expect(evaluate(set, 'x', { a: 1, b: 3 })).toEqual(classified('a', 'a', '0.50'));
  });

  it('fails, naming the category, when no rule matches', () => {
    const set: RuleSet = {
      requirements: [],
      rules: [{ name: 'only-orders', category: 'order', when: [], classification: 'o', score: 1 }],
    };
    expect(evaluate(set, 'refund', {})).toEqual(failed("no rule matches category 'refund'"));
  });
});

describe('evaluate requirements', () => {
  const fallback = { name: 'any', when: [], classification: 'ok', score: 0.5 };
  const judge = (
    requirement: Partial<RuleSet['requirements'][number]>,
    payload: Record<string, unknown>,
    category = 'order',
  ) =>
    evaluate(
      {
        requirements: [{ field: 'f', type: 'number', required: true, ...requirement }],
        rules: [fallback],
      },
      category,
      payload,
    );
  const ok = classified('any', 'ok', '0.50');

  it.each<[string, Partial<RuleSet['requirements'][number]>, Record<string, unknown>, unknown]>([
    ['a number', { type: 'number' }, { f: 0 }, ok],
    ['a string', { type: 'string' }, { f: '' }, ok],
    ['a boolean', { type: 'boolean' }, { f: false }, ok],
    ['an object', { type: 'object' }, { f: {} }, ok],
    ['an array', { type: 'array' }, { f: [] }, ok],
    ['a nested field', { field: 'customer.id', type: 'string' }, { customer: { id: 'c1' } }, ok],
    ['an optional field left out', { required: false }, {}, ok],
    ['a requirement of another category', { category: 'refund' }, {}, ok],
    ['a missing field', {}, {}, failed("payload.f is required for category 'order'")],
    [
      'a missing nested field',
      { field: 'customer.id', type: 'string' },
      { customer: {} },
      failed("payload.customer.id is required for category 'order'"),
    ],
    [
      'a requirement of this category',
      { category: 'order' },
      {},
      failed("payload.f is required for category 'order'"),
    ],
    ['a string for a number', {}, { f: '1' }, failed('payload.f must be a number, got string')],
    [
      'an optional field of the wrong type',
      { required: false },
      { f: true },
      failed('payload.f must be a number, got boolean'),
    ],
    [
      'an array for an object',
      { type: 'object' },
      { f: [] },
      failed('payload.f must be an object, got array'),
    ],
    [
      'an object for an array',
      { type: 'array' },
      { f: {} },
      failed('payload.f must be an array, got object'),
    ],
    [
      'null for a string',
      { type: 'string' },
      { f: null },
      failed('payload.f must be a string, got null'),
    ],
    [
      'a number for a boolean',
      { type: 'boolean' },
      { f: 1 },
      failed('payload.f must be a boolean, got number'),
    ],
    [
      'an infinite number',
      {},
      { f: Infinity },
      failed('payload.f must be a number, got non-finite number'),
    ],
  ])('%s', (_, requirement, payload, verdict) => {
    expect(judge(requirement, payload)).toEqual(verdict);
  });

  it('reports the first failed requirement, before any rule runs', () => {
    const verdict = evaluate(
      {
        requirements: [
          { field: 'a', type: 'number', required: true },
          { field: 'b', type: 'number', required: true },
        ],
        rules: [fallback],
      },
      'x',
      { b: 'wrong' },
    );
    expect(verdict).toEqual(failed("payload.a is required for category 'x'"));
  });
});
