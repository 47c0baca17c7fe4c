import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleSet, parseRuleSet } from './rules-file';

const rule = (overrides: Record<string, unknown> = {}) => ({
  name: 'r',
  classification: 'c',
  score: 0.5,
  ...overrides,
});

describe('parseRuleSet', () => {
  it('accepts a minimal rule set and fills defaults', () => {
    expect(
      parseRuleSet({ requirements: [{ field: 'amount', type: 'number' }], rules: [rule()] }, 'x'),
    ).toEqual({
      requirements: [{ category: undefined, field: 'amount', type: 'number', required: true }],
      rules: [{ name: 'r', category: undefined, when: [], classification: 'c', score: 0.5 }],
    });
  });

  it.each([
    ['not an object', [], 'Invalid rules file f: expected a JSON object with "rules"'],
    ['no rules', { rules: [] }, 'rules: rules must contain at least 1 elements'],
    [
      'a score above 1',
      { rules: [rule({ name: 'big', score: 1.5 })] },
      'rules[0] ("big").score: score must not be greater than 1',
    ],
    [
      'a score with three decimals',
      { rules: [rule({ score: 0.123 })] },
      'rules[0] ("r").score: score must be a number conforming to the specified constraints',
    ],
    [
      'an unknown operator',
      { rules: [rule(), rule({ name: 'two', when: [{ field: 'a', op: 'like', value: 1 }] })] },
      'rules[1] ("two").when[0].op: op must be one of the following values',
    ],
    [
      'a comparison with a string',
      { rules: [rule({ when: [{ field: 'a', op: 'gt', value: '5' }] })] },
      `rules[0] ("r").when[0].value: must be a number for 'gt'`,
    ],
    [
      'in without a list',
      { rules: [rule({ when: [{ field: 'a', op: 'in', value: 'x' }] })] },
      `rules[0] ("r").when[0].value: must be an array for 'in'`,
    ],
    [
      'an unknown field type',
      { requirements: [{ field: 'a', type: 'date' }], rules: [rule()] },
      'requirements[0].type: type must be one of the following values',
    ],
    [
      'an unknown property',
      { rules: [rule({ colour: 'red' })] },
      'rules[0] ("r").colour: property colour should not exist',
    ],
  ])('refuses %s, naming the bad rule', (_, raw, message) => {
    expect(() => parseRuleSet(raw, 'f')).toThrow(message);
  });
});

describe('loadRuleSet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));

  it('names a file it cannot read', () => {
    expect(() => loadRuleSet(join(dir, 'absent.json'))).toThrow(
      /^Cannot read rules file .*absent\.json/,
    );
  });

  it('names a file that is not JSON', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ rules: ');
    expect(() => loadRuleSet(path)).toThrow(`Invalid rules file ${path}: not JSON`);
  });
});
