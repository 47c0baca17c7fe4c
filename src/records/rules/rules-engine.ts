import { Condition, FieldType, Requirement, Rule, RuleSet } from './rule-set';

export type Verdict =
  | { outcome: 'classified'; rule: string; classification: string; score: string }
  | { outcome: 'failed'; error: string };

type Json = unknown;

/** Reads a dot-separated path through own properties only (never the prototype chain). */
function read(payload: Record<string, Json>, path: string): Json {
  let current: Json = payload;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, Json>)[key];
  }
  return current;
}

function typeOf(value: Json): FieldType | 'null' | 'non-finite number' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'non-finite number';
  return typeof value as FieldType;
}

const applies = (category: string, scope?: string): boolean =>
  scope === undefined || scope === category;

function checkRequirement(
  requirement: Requirement,
  category: string,
  payload: Record<string, Json>,
): string | undefined {
  const value = read(payload, requirement.field);
  if (value === undefined) {
    return requirement.required
      ? `payload.${requirement.field} is required for category '${category}'`
      : undefined;
  }
  const actual = typeOf(value);
  if (actual !== requirement.type) {
    return `payload.${requirement.field} must be ${article(requirement.type)} ${requirement.type}, got ${actual}`;
  }
  return undefined;
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? 'an' : 'a');

function holds(condition: Condition, payload: Record<string, Json>): boolean {
  const value = read(payload, condition.field);
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return value !== undefined;
    case 'missing':
      return value === undefined;
    case 'eq':
      return value === expected;
    case 'ne':
      return value !== expected;
    case 'in':
      return Array.isArray(expected) && expected.includes(value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value !== 'number' || typeof expected !== 'number') return false;
      if (condition.op === 'gt') return value > expected;
      if (condition.op === 'gte') return value >= expected;
      if (condition.op === 'lt') return value < expected;
      return value <= expected;
    }
  }
}

const matches = (rule: Rule, category: string, payload: Record<string, Json>): boolean =>
  applies(category, rule.category) && rule.when.every((condition) => holds(condition, payload));

/**
 * Judges one record: every applicable requirement must hold (else it fails, naming
 * the field), then the first matching rule classifies and scores it.
 */
export function evaluate(
  ruleSet: RuleSet,
  category: string,
  payload: Record<string, Json>,
): Verdict {
  for (const requirement of ruleSet.requirements) {
    if (!applies(category, requirement.category)) continue;
    const error = checkRequirement(requirement, category, payload);
    if (error) return { outcome: 'failed', error };
  }
  const rule = ruleSet.rules.find((candidate) => matches(candidate, category, payload));
  if (!rule) return { outcome: 'failed', error: `no rule matches category '${category}'` };
  return {
    outcome: 'classified',
    rule: rule.name,
    classification: rule.classification,
    score: rule.score.toFixed(2),
  };
}
