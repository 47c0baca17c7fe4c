import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_PAYLOAD_DEPTH = 32;

/**
 * The most a payload may take as stored: its text as PostgreSQL prints jsonb (a space
 * after every `,` and `:`, every number in full), which is what every read of it sends.
 * Twice the limit as sent: spacing alone adds at most half; numbers printed in full
 * (1e-20 is 22 digits) can add more, and such a payload is refused when inserted.
 */
export const MAX_STORED_PAYLOAD_BYTES = 2 * MAX_PAYLOAD_BYTES;

export const STORED_PAYLOAD_TOO_LARGE = `payload must be at most ${MAX_STORED_PAYLOAD_BYTES} bytes as stored (numbers printed in full); send long numbers as strings`;

// NUL cannot be stored by PostgreSQL; an unpaired surrogate is not valid Unicode.
const UNSTORABLE_TEXT =
  // eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
  /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as text, if it cannot. */
export function textProblem(value: string): string | undefined {
  const match = UNSTORABLE_TEXT.exec(value);
  if (!match) return undefined;
  return match[0] === '\u0000'
    ? 'contains a NUL character'
    : 'contains an unpaired UTF-16 surrogate';
}

/**
 * Why a JSON value cannot be stored as this service's payload, if it cannot:
 * jsonb rejects NUL and unpaired surrogates, and limits depth and size keep
 * every record cheap to store, index and return.
 */
export function payloadProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'must be a JSON object';
  }
  const problem = walk(value, 1, '');
  if (problem) return problem;
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) {
    return `must be at most ${MAX_PAYLOAD_BYTES} bytes once serialized (got ${bytes})`;
  }
  return undefined;
}

function walk(value: unknown, depth: number, path: string): string | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem && `${path ? `at ${path} ` : ''}${problem}`;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `at ${path} holds a number out of range`;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_PAYLOAD_DEPTH) return `must be at most ${MAX_PAYLOAD_DEPTH} levels deep`;
  const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = Array.isArray(value)
      ? `${path}[${key}]`
      : path
        ? `${path}.${key}`
        : String(key);
    if (typeof key === 'string') {
      const keyProblem = textProblem(key);
      if (keyProblem) return `has a key that ${keyProblem}`;
    }
    const problem = walk(child, depth + 1, childPath);
    if (problem) return problem;
  }
  return undefined;
}

/** class-validator decorator around payloadProblem. */
export function IsStorablePayload(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStorablePayload',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => payloadProblem(value) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${payloadProblem(args.value) ?? 'is invalid'}`,
      },
    });
}

/** class-validator decorator around textProblem. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || textProblem(value) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${textProblem(String(args.value)) ?? 'is invalid'}`,
      },
    });
}

/**
 * Length in Unicode code points, as PostgreSQL's char_length (and so the
 * column's CHECK) counts it. class-validator's @Length does not count U+FE0E
 * and U+FE0F, so 'a\uFE0F' x 33 passed it and then broke the CHECK: a 500.
 */
export function IsCodePointLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  const length = (value: string) => [...value].length;
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCodePointLength',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [min, max],
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || (length(value) >= min && length(value) <= max),
        defaultMessage: (args: ValidationArguments) =>
          length(String(args.value)) < min
            ? `${args.property} must be longer than or equal to ${min} characters`
            : `${args.property} must be shorter than or equal to ${max} characters`,
      },
    });
}
