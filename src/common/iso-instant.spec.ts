import { parseInstant } from './iso-instant';

describe('parseInstant', () => {
  it.each([
    ['2026-01-07', '2026-01-07T00:00:00.000Z', true],
    ['2026-01-07T12:00', '2026-01-07T12:00:00.000Z', false],
    ['2026-01-07T12:00:00Z', '2026-01-07T12:00:00.000Z', false],
    ['2026-01-07T12:00:00.123456Z', '2026-01-07T12:00:00.123Z', false],
    ['2026-01-07T12:00:00+01:00', '2026-01-07T11:00:00.000Z', false],
    ['2026-01-07T12:00:00-0230', '2026-01-07T14:30:00.000Z', false],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', true],
    ['0001-01-01', '0001-01-01T00:00:00.000Z', true],
  ])('%s -> %s', (input, iso, dateOnly) => {
    expect(parseInstant(input)).toEqual({ at: new Date(iso), dateOnly });
  });

  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-01-07T24:00',
    '2026-01-07T12:60',
    'yesterday',
    '2026-W01',
    '20260107',
    '',
  ])('refuses %j', (input) => {
    expect(parseInstant(input)).toBeUndefined();
  });
});
