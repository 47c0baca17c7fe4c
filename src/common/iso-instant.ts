import { registerDecorator, ValidationArguments } from 'class-validator';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|([+-]\d{2})(?::?(\d{2}))?)?)?$/i;

export interface Instant {
  at: Date;
  /** `YYYY-MM-DD` alone: the start of that UTC day. */
  dateOnly: boolean;
}

/**
 * Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH[[:]MM]]` (no zone means UTC),
 * refusing impossible dates such as 2026-02-30. Millisecond precision.
 */
export function parseInstant(value: string): Instant | undefined {
  const match = ISO_8601.exec(value);
  if (!match) return undefined;
  const [
    ,
    year,
    month,
    day,
    hour,
    minute,
    second = '00',
    fraction = '',
    offsetHours,
    offsetMinutes = '00',
  ] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1)
    return undefined;
  if (hour === undefined) return { at: date, dateOnly: true };
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const millis = fraction.slice(1, 4).padEnd(3, '0');
  // Date reads Z and ±HH:MM, not ±HH: the offset is written out as ±HH:MM.
  const zone = offsetHours ? `${offsetHours}:${offsetMinutes}` : 'Z';
  const at = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${zone}`);
  return Number.isNaN(at.getTime()) ? undefined : { at, dateOnly: false };
}

const DAY_MS = 86_400_000;

/**
 * Where an inclusive upper bound ends (exclusive): a bare date covers its whole UTC
 * day, a date-time its own millisecond.
 */
export const endOfInclusive = (instant: Instant): Date =>
  new Date(instant.at.getTime() + (instant.dateOnly ? DAY_MS : 1));

/** class-validator decorator around parseInstant. */
export function IsIsoInstant(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIsoInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseInstant(value) !== undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an ISO-8601 date (YYYY-MM-DD) or date-time`,
      },
    });
}

/**
 * The decorated instant, an inclusive upper bound (a bare date covers its whole day),
 * must not end before the sibling instant property `other` starts.
 */
export function IsNotBefore(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const before = (args.object as Record<string, unknown>)[other];
          const from = typeof before === 'string' ? parseInstant(before) : undefined;
          const to = typeof value === 'string' ? parseInstant(value) : undefined;
          return !from || !to || from.at < endOfInclusive(to);
        },
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must not be before ${other}`,
      },
    });
}
