import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULES_FILE, loadRuleSet, parseRuleSet } from './rules-file';

const rule = (overrides: Record<string, unknown> = {}) => ({
  name: 'r',
  classification: 'c',
  score: 0.5,
  ...overrides,
});
const when = (...conditions: Record<string, unknown>[]) => ({
  rules: [rule({ when: conditions })],
});

/** The message a refused rule set is reported with at start-up. */
const refusal = (raw: unknown): string => {
  try {
    parseRuleSet(raw, 'rules.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the rule set was accepted');
};

describe('parseRuleSet', () => {
  it('accepts a minimal rule set and fills the defaults', () => {
    expect(
      parseRuleSet({ requirements: [{ field: 'amount', type: 'number' }], rules: [rule()] }, 'x'),
    ).toEqual({
      requirements: [{ category: undefined, field: 'amount', type: 'number', required: true }],
      rules: [{ name: 'r', category: undefined, when: [], classification: 'c', score: 0.5 }],
    });
    expect(parseRuleSet({ rules: [rule()] }, 'x').requirements).toEqual([]);
  });

  it('keeps everything a full rule set says', () => {
    const raw = {
      requirements: [
        { category: 'order', field: 'amount', type: 'number', required: true },
        { field: 'meta.tags', type: 'array', required: false },
      ],
      rules: [
        {
          name: 'vip',
          category: 'order',
          when: [
            { field: 'amount', op: 'gte', value: 50 },
            { field: 'tier', op: 'in', value: ['gold', 'platinum'] },
            { field: 'coupon', op: 'missing' },
            { field: 'note', op: 'eq', value: null },
          ],
          classification: 'vip',
          score: 1,
        },
        rule({ name: 'floor', score: 0 }),
      ],
    };
    expect(parseRuleSet(raw, 'x')).toEqual({
      requirements: raw.requirements,
      rules: [
        {
          ...raw.rules[0],
          when: [
            { field: 'amount', op: 'gte', value: 50 },
            { field: 'tier', op: 'in', value: ['gold', 'platinum'] },
            { field: 'coupon', op: 'missing', value: undefined },
            { field: 'note', op: 'eq', value: null },
          ],
        },
        { name: 'floor', category: undefined, when: [], classification: 'c', score: 0 },
      ],
    });
  });

  it.each([
    ['exists without a value', when({ field: 'a', op: 'exists' })],
    ['eq with a string', when({ field: 'a', op: 'eq', value: 'x' })],
    ['eq with a boolean', when({ field: 'a', op: 'eq', value: false })],
    ['ne with null', when({ field: 'a', op: 'ne', value: null })],
    ['lte with a negative number', when({ field: 'a', op: 'lte', value: -1.5 })],
    ['in with an empty list', when({ field: 'a', op: 'in', value: [] })],
    ['a score of 0.01', { rules: [rule({ score: 0.01 })] }],
  ])('accepts %s', (_, raw) => {
    expect(() => parseRuleSet(raw, 'x')).not.toThrow();
  });

  it.each([
    ['an array', [], 'Invalid rules file rules.json: expected a JSON object with "rules"'],
    ['null', null, 'Invalid rules file rules.json: expected a JSON object with "rules"'],
    ['a string', 'rules', 'Invalid rules file rules.json: expected a JSON object with "rules"'],
    [
      'no rules',
      {},
      'Invalid rules file rules.json: rules: rules must contain at least 1 elements; rules: rules must be an array',
    ],
    [
      'an empty list of rules',
      { rules: [] },
      'Invalid rules file rules.json: rules: rules must contain at least 1 elements',
    ],
    [
      'an unknown top-level property',
      { rules: [rule()], extra: 1 },
      'Invalid rules file rules.json: extra: property extra should not exist',
    ],
  ])('refuses %s', (_, raw, message) => {
    expect(refusal(raw)).toBe(message);
  });

  it.each([
    [
      'a score above 1',
      { rules: [rule({ name: 'big', score: 1.5 })] },
      'rules[0] ("big").score: score must not be greater than 1',
    ],
    [
      'a rule that is null',
      { rules: [null] },
      'rules[0]: each value in nested property rules must be either object or array',
    ],
    [
      'a requirement that is null',
      { requirements: [null], rules: [rule()] },
      'requirements[0]: each value in nested property requirements must be either object or array',
    ],
    [
      'a negative score',
      { rules: [rule({ score: -0.01 })] },
      'rules[0] ("r").score: score must not be less than 0',
    ],
    [
      'a score with three decimals',
      { rules: [rule({ score: 0.123 })] },
      'rules[0] ("r").score: score must be a number conforming to the specified constraints',
    ],
    [
      'an infinite score (1e999 in the file)',
      JSON.parse('{"rules":[{"name":"r","classification":"c","score":1e999}]}'),
      'rules[0] ("r").score: score must not be greater than 1; rules[0] ("r").score: score must be a number conforming to the specified constraints',
    ],
    [
      'a score written as a string',
      { rules: [rule({ score: '0.5' })] },
      'rules[0] ("r").score: score must not be greater than 1; rules[0] ("r").score: score must not be less than 0; rules[0] ("r").score: score must be a number conforming to the specified constraints',
    ],
    [
      'a rule without a name',
      { rules: [{ classification: 'c', score: 0.5 }] },
      'rules[0].name: name should not be empty; rules[0].name: name must be a string',
    ],
    [
      'a rule named by a number',
      { rules: [rule({ name: 5 })] },
      'rules[0].name: name must be a string',
    ],
    [
      'an empty classification',
      { rules: [rule({ classification: '' })] },
      'rules[0] ("r").classification: classification should not be empty',
    ],
    [
      'an empty category',
      { rules: [rule({ category: '' })] },
      'rules[0] ("r").category: category should not be empty',
    ],
    [
      'the eleventh rule, by its index and name',
      {
        rules: [...Array.from({ length: 10 }, () => rule()), rule({ name: 'eleventh', score: 2 })],
      },
      'rules[10] ("eleventh").score: score must not be greater than 1',
    ],
    [
      'two bad rules, each named',
      { rules: [rule({ name: 'one', score: 2 }), rule({ name: 'two', classification: '' })] },
      'rules[0] ("one").score: score must not be greater than 1; rules[1] ("two").classification: classification should not be empty',
    ],
    [
      'when that is not a list',
      { rules: [rule({ when: 'x' })] },
      'rules[0] ("r").when: when must be an array; rules[0] ("r").when: each value in nested property when must be either object or array',
    ],
    [
      'a condition that is not an object',
      { rules: [rule({ when: ['x'] })] },
      'rules[0] ("r").when[0]: each value in nested property when must be either object or array',
    ],
    [
      'a condition without a field',
      when({ op: 'eq', value: 1 }),
      'rules[0] ("r").when[0].field: field should not be empty; rules[0] ("r").when[0].field: field must be a string',
    ],
    [
      'an unknown operator',
      { rules: [rule(), rule({ name: 'two', when: [{ field: 'a', op: 'like', value: 1 }] })] },
      'rules[1] ("two").when[0].op: op must be one of the following values: eq, ne, gt, gte, lt, lte, in, exists, missing',
    ],
    [
      'an unknown property of a condition',
      when({ field: 'a', op: 'eq', value: 1, extra: 2 }),
      'rules[0] ("r").when[0].extra: property extra should not exist',
    ],
    [
      'an unknown property of a rule',
      { rules: [rule({ colour: 'red' })] },
      'rules[0] ("r").colour: property colour should not exist',
    ],
    [
      'an unknown property ending in a digit',
      { rules: [rule({ x1: 1 })] },
      'rules[0] ("r").x1: property x1 should not exist',
    ],
    [
      'an unknown property starting with a digit',
      { rules: [rule({ '1x': 1 })] },
      'rules[0] ("r").1x: property 1x should not exist',
    ],
    [
      'requirements that are not a list',
      { requirements: 'x', rules: [rule()] },
      'requirements: requirements must be an array; requirements: each value in nested property requirements must be either object or array',
    ],
    [
      'an unknown field type',
      { requirements: [{ field: 'a', type: 'date' }], rules: [rule()] },
      'requirements[0].type: type must be one of the following values: number, string, boolean, object, array',
    ],
    [
      'a requirement without a field',
      { requirements: [{ field: '', type: 'number' }], rules: [rule()] },
      'requirements[0].field: field should not be empty',
    ],
    [
      'a requirement for an empty category',
      { requirements: [{ category: '', field: 'a', type: 'number' }], rules: [rule()] },
      'requirements[0].category: category should not be empty',
    ],
    [
      '"required" that is not a boolean',
      { requirements: [{ field: 'a', type: 'number', required: 'yes' }], rules: [rule()] },
      'requirements[0].required: required must be a boolean value',
    ],
  ])('refuses %s, naming the bad rule and field', (_, raw, problems) => {
    expect(refusal(raw)).toBe(`Invalid rules file rules.json: ${problems}`);
  });

  it.each(['gt', 'gte', 'lt', 'lte'])('refuses %s without a finite number', (op) => {
    expect(refusal(when({ field: 'a', op, value: '5' }))).toBe(
      `Invalid rules file rules.json: rules[0] ("r").when[0].value: must be a number for '${op}'`,
    );
    expect(
      refusal(
        JSON.parse(`{"rules":[{"name":"r","classification":"c","score":0.5,
      "when":[{"field":"a","op":"${op}","value":-1e999}]}]}`),
      ),
    ).toBe(
      `Invalid rules file rules.json: rules[0] ("r").when[0].value: must be a number for '${op}'`,
    );
  });

  it.each([
    ['in without a list', { field: 'a', op: 'in', value: 'x' }, "must be an array for 'in'"],
    ['in without a value', { field: 'a', op: 'in' }, "must be an array for 'in'"],
    [
      'eq without a value',
      { field: 'a', op: 'eq' },
      "must be a string, number, boolean or null for 'eq'",
    ],
    [
      'eq with an object',
      { field: 'a', op: 'eq', value: { b: 1 } },
      "must be a string, number, boolean or null for 'eq'",
    ],
    [
      'ne with a list',
      { field: 'a', op: 'ne', value: [1] },
      "must be a string, number, boolean or null for 'ne'",
    ],
  ])('refuses %s', (_, condition, problem) => {
    expect(refusal(when(condition))).toBe(
      `Invalid rules file rules.json: rules[0] ("r").when[0].value: ${problem}`,
    );
  });

  it('names every bad condition of every rule', () => {
    const raw = {
      rules: [
        rule({
          name: 'a',
          when: [
            { field: 'x', op: 'exists' },
            { field: 'y', op: 'gt', value: 'no' },
          ],
        }),
        rule({ name: 'b', when: [{ field: 'z', op: 'in', value: 1 }] }),
      ],
    };
    expect(refusal(raw)).toBe(
      'Invalid rules file rules.json: rules[0] ("a").when[1].value: must be a number for \'gt\'; rules[1] ("b").when[0].value: must be an array for \'in\'',
    );
  });
});

describe('loadRuleSet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));

  it('loads the rules shipped with the service by default', () => {
    const shipped = JSON.parse(readFileSync(DEFAULT_RULES_FILE, 'utf8')) as unknown;
    expect(loadRuleSet()).toEqual(parseRuleSet(shipped, DEFAULT_RULES_FILE));
    expect(loadRuleSet().rules.map((r) => r.name)).toEqual([
      'urgent',
      'high-value-order',
      'standard-order',
      'large-refund',
      'refund',
      'default',
    ]);
  });

  it('loads a rules file given by path', () => {
    const path = join(dir, 'custom.json');
    writeFileSync(path, JSON.stringify({ rules: [rule({ name: 'only' })] }));
    expect(loadRuleSet(path)).toEqual({
      requirements: [],
      rules: [{ name: 'only', category: undefined, when: [], classification: 'c', score: 0.5 }],
    });
  });

  it('names a file it cannot read', () => {
    const path = join(dir, 'absent.json');
    expect(() => loadRuleSet(path)).toThrow(
      new Error(
        `Cannot read rules file ${path}: ENOENT: no such file or directory, open '${path}'`,
      ),
    );
  });

  it('names a file that is not JSON', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ rules: ');
    expect(() => loadRuleSet(path)).toThrow(`Invalid rules file ${path}: not JSON (`);
  });

  it('names a file whose rules are invalid', () => {
    const path = join(dir, 'invalid.json');
    writeFileSync(path, JSON.stringify({ rules: [] }));
    expect(() => loadRuleSet(path)).toThrow(
      new Error(`Invalid rules file ${path}: rules: rules must contain at least 1 elements`),
    );
  });
});
