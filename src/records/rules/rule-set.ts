/** The shape of a rules file once validated (see rules-file.ts and the README). */
export const CONDITION_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'exists',
  'missing',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export const FIELD_TYPES = ['number', 'string', 'boolean', 'object', 'array'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface Condition {
  field: string;
  op: ConditionOperator;
  value?: unknown;
}

/** A payload field a category needs (or, when optional, needs to be well-typed if present). */
export interface Requirement {
  category?: string;
  field: string;
  type: FieldType;
  required: boolean;
}

/** First matching rule wins: all of `when` must hold for a record of `category` (any when absent). */
export interface Rule {
  name: string;
  category?: string;
  when: Condition[];
  classification: string;
  score: number;
}

export interface RuleSet {
  requirements: Requirement[];
  rules: Rule[];
}
