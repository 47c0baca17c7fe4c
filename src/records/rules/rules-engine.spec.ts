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
    ['in', ['a', 'b'], 'b', 'hit'],
    ['in', ['a', 'b'], 'c', 'miss'],
  ] as const)('%s %j against %j -> %s', (op, value, actual, expected) => {
    expect(verdictOf([{ field: 'f', op, value }], { f: actual })).toBe(expected);
  });

  it('exists and missing look at presence, through nested paths', () => {
    expect(verdictOf([{ field: 'a.b', op: 'exists' }], { a: { b: null } })).toBe('hit');
    expect(verdictOf([{ field: 'a.b', op: 'exists' }], { a: {} })).toBe('miss');
    expect(verdictOf([{ field: 'a.b', op: 'missing' }], { a: 1 })).toBe('hit');
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
