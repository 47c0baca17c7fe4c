import { InstantRange, planSummary, SummaryPlan } from './summary-range';

const at = (iso: string) => new Date(iso);

describe('planSummary', () => {
  it.each<[string, InstantRange, SummaryPlan]>([
    ['no range: the all-time totals', {}, { days: {}, live: [] }],
    [
      'whole days: the rollup alone',
      { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-08T00:00:00Z') },
      { days: { from: '2026-01-01', to: '2026-01-08' }, live: [] },
    ],
    [
      'exactly one whole day',
      { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-02T00:00:00Z') },
      { days: { from: '2026-01-01', to: '2026-01-02' }, live: [] },
    ],
    [
      'partial days at both ends: counted live',
      { from: at('2026-01-01T06:00:00Z'), to: at('2026-01-08T12:00:00Z') },
      {
        days: { from: '2026-01-02', to: '2026-01-08' },
        live: [
          { from: at('2026-01-01T06:00:00Z'), to: at('2026-01-02T00:00:00Z') },
          { from: at('2026-01-08T00:00:00Z'), to: at('2026-01-08T12:00:00Z') },
        ],
      },
    ],
    [
      'one millisecond past midnight at each end',
      { from: at('2026-01-01T00:00:00.001Z'), to: at('2026-01-03T00:00:00.001Z') },
      {
        days: { from: '2026-01-02', to: '2026-01-03' },
        live: [
          { from: at('2026-01-01T00:00:00.001Z'), to: at('2026-01-02T00:00:00Z') },
          { from: at('2026-01-03T00:00:00Z'), to: at('2026-01-03T00:00:00.001Z') },
        ],
      },
    ],
    [
      'one millisecond before midnight at each end',
      { from: at('2026-01-01T23:59:59.999Z'), to: at('2026-01-03T23:59:59.999Z') },
      {
        days: { from: '2026-01-02', to: '2026-01-03' },
        live: [
          { from: at('2026-01-01T23:59:59.999Z'), to: at('2026-01-02T00:00:00Z') },
          { from: at('2026-01-03T00:00:00Z'), to: at('2026-01-03T23:59:59.999Z') },
        ],
      },
    ],
    [
      'a start at midnight and a partial last day',
      { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-02T08:00:00Z') },
      {
        days: { from: '2026-01-01', to: '2026-01-02' },
        live: [{ from: at('2026-01-02T00:00:00Z'), to: at('2026-01-02T08:00:00Z') }],
      },
    ],
    [
      'a range inside one day: live only',
      { from: at('2026-01-01T06:00:00Z'), to: at('2026-01-01T07:00:00Z') },
      { live: [{ from: at('2026-01-01T06:00:00Z'), to: at('2026-01-01T07:00:00Z') }] },
    ],
    [
      'a range across one midnight, with no whole day: live only',
      { from: at('2026-01-01T18:00:00Z'), to: at('2026-01-02T06:00:00Z') },
      { live: [{ from: at('2026-01-01T18:00:00Z'), to: at('2026-01-02T06:00:00Z') }] },
    ],
    [
      'a range from one midnight into the same day: live only',
      { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-01T12:00:00Z') },
      { live: [{ from: at('2026-01-01T00:00:00Z'), to: at('2026-01-01T12:00:00Z') }] },
    ],
    [
      'an empty range at midnight',
      { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z') },
      { live: [{ from: at('2026-01-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z') }] },
    ],
    [
      'only a start, mid-day',
      { from: at('2026-01-01T06:00:00Z') },
      {
        days: { from: '2026-01-02', to: undefined },
        live: [{ from: at('2026-01-01T06:00:00Z'), to: at('2026-01-02T00:00:00Z') }],
      },
    ],
    [
      'only a start, at midnight',
      { from: at('2026-01-01T00:00:00Z') },
      { days: { from: '2026-01-01', to: undefined }, live: [] },
    ],
    [
      'only a start, at the Unix epoch',
      { from: at('1970-01-01T00:00:00Z') },
      { days: { from: '1970-01-01', to: undefined }, live: [] },
    ],
    [
      'only an end, at midnight',
      { to: at('2026-01-08T00:00:00Z') },
      { days: { from: undefined, to: '2026-01-08' }, live: [] },
    ],
    [
      'only an end, mid-day',
      { to: at('2026-01-08T12:00:00Z') },
      {
        days: { from: undefined, to: '2026-01-08' },
        live: [{ from: at('2026-01-08T00:00:00Z'), to: at('2026-01-08T12:00:00Z') }],
      },
    ],
    [
      'only an end, at the Unix epoch',
      { to: at('1970-01-01T00:00:00Z') },
      { days: { from: undefined, to: '1970-01-01' }, live: [] },
    ],
    [
      'from the Unix epoch to a later midnight',
      { from: at('1970-01-01T00:00:00Z'), to: at('1970-01-03T00:00:00Z') },
      { days: { from: '1970-01-01', to: '1970-01-03' }, live: [] },
    ],
  ])('%s', (_, range, plan) => {
    expect(planSummary(range)).toEqual(plan);
  });
});
