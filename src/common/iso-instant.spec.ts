import { IsOptional, validateSync } from 'class-validator';
import { endOfInclusive, IsIsoInstant, IsNotBefore, parseInstant } from './iso-instant';

describe('parseInstant', () => {
  it.each([
    ['a date: the start of that UTC day', '2026-01-07', '2026-01-07T00:00:00.000Z', true],
    ['the contract format', '2026-01-07T12:00:00.000Z', '2026-01-07T12:00:00.000Z', false],
    ['minutes only, no zone (UTC)', '2026-01-07T12:00', '2026-01-07T12:00:00.000Z', false],
    ['minutes only, with Z', '2026-01-07T12:34Z', '2026-01-07T12:34:00.000Z', false],
    ['seconds, no zone (UTC)', '2026-01-07T12:34:56', '2026-01-07T12:34:56.000Z', false],
    ['the last second of a day', '2026-01-07T23:59:59Z', '2026-01-07T23:59:59.000Z', false],
    [
      'the last millisecond of a day',
      '2026-01-07T23:59:59.999Z',
      '2026-01-07T23:59:59.999Z',
      false,
    ],
    ['one fraction digit', '2026-01-07T12:00:00.5Z', '2026-01-07T12:00:00.500Z', false],
    ['two fraction digits', '2026-01-07T12:00:00.25Z', '2026-01-07T12:00:00.250Z', false],
    [
      'nine fraction digits, cut to milliseconds',
      '2026-01-07T12:00:00.123456789Z',
      '2026-01-07T12:00:00.123Z',
      false,
    ],
    ['a positive offset', '2026-01-07T12:00:00+01:00', '2026-01-07T11:00:00.000Z', false],
    [
      'a negative offset without colon',
      '2026-01-07T12:00:00-0230',
      '2026-01-07T14:30:00.000Z',
      false,
    ],
    ['an offset in hours only', '2026-01-07T12:00+05', '2026-01-07T07:00:00.000Z', false],
    ['an offset with minutes only', '2026-01-07T12:00-00:30', '2026-01-07T12:30:00.000Z', false],
    [
      'an offset into the day before',
      '2026-01-07T00:30:00+01:00',
      '2026-01-06T23:30:00.000Z',
      false,
    ],
    [
      '+14:00, the largest offset in use',
      '2026-01-07T12:00+14:00',
      '2026-01-06T22:00:00.000Z',
      false,
    ],
    ['lower-case t and z', '2026-01-07t12:00:00z', '2026-01-07T12:00:00.000Z', false],
    ['29 February of a leap year', '2024-02-29', '2024-02-29T00:00:00.000Z', true],
    ['the last day of a 30-day month', '2026-04-30', '2026-04-30T00:00:00.000Z', true],
    ['31 December', '2026-12-31', '2026-12-31T00:00:00.000Z', true],
    ['year 1', '0001-01-01', '0001-01-01T00:00:00.000Z', true],
    ['year 9999', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z', false],
  ])('reads %s: %s -> %s', (_, input, iso, dateOnly) => {
    expect(parseInstant(input)).toEqual({ at: new Date(iso), dateOnly });
  });

  it.each([
    ['30 February', '2026-02-30'],
    ['29 February of a common year', '2025-02-29'],
    ['31 April', '2026-04-31'],
    ['day 00', '2026-01-00'],
    ['day 32', '2026-01-32'],
    ['month 00', '2026-00-10'],
    ['month 13', '2026-13-01'],
    ['30 February with a time', '2026-02-30T12:00:00Z'],
    ['hour 24', '2026-01-07T24:00'],
    ['minute 60', '2026-01-07T12:60'],
    ['second 60', '2026-01-07T12:00:60Z'],
    ['an hour without minutes', '2026-01-07T12'],
    ['a fraction without seconds', '2026-01-07T12:00.5Z'],
    ['ten fraction digits', '2026-01-07T12:00:00.1234567890Z'],
    ['an empty fraction', '2026-01-07T12:00:00.Z'],
    ['an offset of 24 hours', '2026-01-07T12:00+24:00'],
    ['an offset with one minute digit', '2026-01-07T12:00+01:0'],
    ['an offset with one hour digit', '2026-01-07T12:00+1'],
    ['a zone name', '2026-01-07T12:00:00UTC'],
    ['a space instead of T', '2026-01-07 12:00'],
    ['a one-digit hour', '2026-01-07T1:00'],
    ['a one-digit month and day', '2026-1-7'],
    ['a two-digit year', '26-01-07'],
    ['a five-digit year', '20260-01-07'],
    ['leading space', ' 2026-01-07'],
    ['trailing space', '2026-01-07 '],
    ['a trailing newline', '2026-01-07\n'],
    ['a basic-format date', '20260107'],
    ['a week date', '2026-W01'],
    ['a word', 'yesterday'],
    ['a Unix time', '1767787200'],
    ['the empty string', ''],
  ])('refuses %s: %j', (_, input) => {
    expect(parseInstant(input)).toBeUndefined();
  });
});

describe('endOfInclusive', () => {
  const end = (value: string) => endOfInclusive(parseInstant(value)!).toISOString();

  it.each([
    ['a date ends with its UTC day', '2026-01-07', '2026-01-08T00:00:00.000Z'],
    ['the last day of February in a leap year', '2024-02-29', '2024-03-01T00:00:00.000Z'],
    ['a date-time ends after its millisecond', '2026-01-07T12:00Z', '2026-01-07T12:00:00.001Z'],
    ['a midnight date-time is not a whole day', '2026-01-07T00:00Z', '2026-01-07T00:00:00.001Z'],
  ])('%s: %s -> %s', (_, value, iso) => {
    expect(end(value)).toBe(iso);
  });
});

class RangeSample {
  @IsOptional()
  @IsIsoInstant()
  from: unknown;

  @IsNotBefore('from')
  to: unknown;
}

const messages = (from: unknown, to: unknown): string[] =>
  validateSync(Object.assign(new RangeSample(), { from, to })).flatMap((error) =>
    Object.values(error.constraints ?? {}),
  );

describe('IsIsoInstant and IsNotBefore', () => {
  it.each([
    ['a date', '2026-01-07'],
    ['a date-time', '2026-01-07T12:00:00Z'],
  ])('IsIsoInstant accepts %s', (_, from) => {
    expect(messages(from, undefined)).toEqual([]);
  });

  it.each([
    ['an impossible date', '2026-02-30'],
    ['a number', 20260107],
    ['a Date object', new Date('2026-01-07')],
  ])('IsIsoInstant refuses %s', (_, from) => {
    expect(messages(from, undefined)).toEqual([
      'from must be an ISO-8601 date (YYYY-MM-DD) or date-time',
    ]);
  });

  it.each([
    ['the same day', '2026-01-07', '2026-01-07'],
    ['the same instant written with another offset', '2026-01-07T12:00Z', '2026-01-07T13:00+01:00'],
    ['one millisecond later', '2026-01-07T12:00:00.000Z', '2026-01-07T12:00:00.001Z'],
    ['a later day', '2026-01-07', '2026-01-08'],
    [
      'a start later on the end date, which covers its whole day',
      '2026-01-07T18:00Z',
      '2026-01-07',
    ],
    ['a start in the last millisecond of the end date', '2026-01-07T23:59:59.999Z', '2026-01-07'],
    ['no start', undefined, '2026-01-07'],
    ['no end', '2026-01-07', undefined],
  ])('IsNotBefore accepts %s', (_, from, to) => {
    expect(messages(from, to)).toEqual([]);
  });

  it.each([
    ['one day earlier', '2026-01-07', '2026-01-06'],
    ['a start just after the end date', '2026-01-08T00:00:00.000Z', '2026-01-07'],
    ['one millisecond earlier', '2026-01-07T12:00:00.001Z', '2026-01-07T12:00:00.000Z'],
    ['an earlier instant in a later-looking offset', '2026-01-07T12:00Z', '2026-01-07T12:30+01:00'],
  ])('IsNotBefore refuses %s', (_, from, to) => {
    expect(messages(from, to)).toEqual(['to must not be before from']);
  });

  it('leaves an unreadable end to IsIsoInstant', () => {
    expect(messages('2026-01-07', 'soon')).toEqual([]);
  });
});
