import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  Allow,
  ValidateNested,
  ValidationError,
  validateSync,
} from 'class-validator';
import {
  CONDITION_OPERATORS,
  ConditionOperator,
  FIELD_TYPES,
  FieldType,
  RuleSet,
} from './rule-set';

export const DEFAULT_RULES_FILE = join(__dirname, 'default-rules.json');

class ConditionFile {
  @IsString()
  @IsNotEmpty()
  field: string;

  @IsIn(CONDITION_OPERATORS)
  op: ConditionOperator;

  @Allow()
  value?: unknown;
}

class RequirementFile {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  category?: string;

  @IsString()
  @IsNotEmpty()
  field: string;

  @IsIn(FIELD_TYPES)
  type: FieldType;

  @IsOptional()
  @IsBoolean()
  required?: boolean;
}

class RuleFile {
  @IsString()
  @IsNotEmpty()
  name: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  category?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConditionFile)
  when?: ConditionFile[];

  @IsString()
  @IsNotEmpty()
  classification: string;

  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  score: number;
}

class RuleSetFile {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RequirementFile)
  requirements?: RequirementFile[];

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => RuleFile)
  rules: RuleFile[];
}

/** `rules[2] ("large-refund").when[0].op: op must be one of ...` */
function describe(errors: ValidationError[], raw: unknown, path = ''): string[] {
  return errors.flatMap((error) => {
    const index = /^\d+$/.test(error.property);
    const node = (raw as Record<string, unknown> | undefined)?.[error.property];
    const name =
      index && typeof (node as { name?: unknown })?.name === 'string'
        ? ` ("${(node as { name: string }).name}")`
        : '';
    const here = index
      ? `${path}[${error.property}]${name}`
      : path
        ? `${path}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${here}: ${message}`);
    return [...own, ...describe(error.children ?? [], node, here)];
  });
}

/** What `value` each operator needs: a number to compare, a list for `in`, a scalar for `eq`/`ne`. */
function conditionValueProblems(rules: RuleFile[]): string[] {
  return rules.flatMap((rule, ruleIndex) =>
    (rule.when ?? []).flatMap((condition, conditionIndex) => {
      const at = `rules[${ruleIndex}] ("${rule.name}").when[${conditionIndex}].value`;
      const { op, value } = condition;
      if (
        ['gt', 'gte', 'lt', 'lte'].includes(op) &&
        !(typeof value === 'number' && Number.isFinite(value))
      ) {
        return [`${at}: must be a number for '${op}'`];
      }
      if (op === 'in' && !Array.isArray(value)) return [`${at}: must be an array for 'in'`];
      if (
        (op === 'eq' || op === 'ne') &&
        (value === undefined || (value !== null && typeof value === 'object'))
      ) {
        return [`${at}: must be a string, number, boolean or null for '${op}'`];
      }
      return [];
    }),
  );
}

/** Validates parsed JSON as a rule set; the error names every bad rule and field. */
export function parseRuleSet(raw: unknown, origin: string): RuleSet {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`Invalid rules file ${origin}: expected a JSON object with "rules"`);
  }
  const file = plainToInstance(RuleSetFile, raw);
  const errors = validateSync(file, { whitelist: true, forbidNonWhitelisted: true });
  const problems = errors.length > 0 ? describe(errors, raw) : conditionValueProblems(file.rules);
  if (problems.length > 0) {
    throw new Error(`Invalid rules file ${origin}: ${problems.join('; ')}`);
  }
  return {
    requirements: (file.requirements ?? []).map((requirement) => ({
      category: requirement.category,
      field: requirement.field,
      type: requirement.type,
      required: requirement.required ?? true,
    })),
    rules: file.rules.map((rule) => ({
      name: rule.name,
      category: rule.category,
      when: (rule.when ?? []).map(({ field, op, value }) => ({ field, op, value })),
      classification: rule.classification,
      score: rule.score,
    })),
  };
}

export function loadRuleSet(path: string = DEFAULT_RULES_FILE): RuleSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read rules file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid rules file ${path}: not JSON (${(error as Error).message})`);
  }
  return parseRuleSet(raw, path);
}
