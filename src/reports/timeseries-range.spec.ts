import { bucketStarts, planTimeseries, TimeseriesPlan } from './timeseries-range';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-12-08T10:30:00.000Z');

describe('planTimeseries', () => {
  it.each<
    [string, Parameters<typeof planTimeseries>[0], { from?: Date; end?: Date }, TimeseriesPlan]
  >([
    [
      'no window: the 24 hours before now, widened to whole hours (25 of them)',
      'hour',
      {},
      {
        window: {
          bucket: 'hour',
          from: at('2026-12-07T10:00:00Z'),
          to: at('2026-12-08T11:00:00Z'),
          count: 25,
        },
      },
    ],
    [
      'no window, by day: yesterday and today',
      'day',
      {},
      {
        window: {
          bucket: 'day',
          from: at('2026-12-07T00:00:00Z'),
          to: at('2026-12-09T00:00:00Z'),
          count: 2,
        },
      },
    ],
    [
      'aligned edges: exactly those buckets',
      'hour',
      { from: at('2026-12-08T00:00:00Z'), end: at('2026-12-08T06:00:00Z') },
      {
        window: {
          bucket: 'hour',
          from: at('2026-12-08T00:00:00Z'),
          to: at('2026-12-08T06:00:00Z'),
          count: 6,
        },
      },
    ],
    [
      'edges inside buckets: the buckets they fall in, whole',
      'hour',
      { from: at('2026-12-08T00:59:59.999Z'), end: at('2026-12-08T05:00:00.001Z') },
      {
        window: {
          bucket: 'hour',
          from: at('2026-12-08T00:00:00Z'),
          to: at('2026-12-08T06:00:00Z'),
          count: 6,
        },
      },
    ],
    [
      'one millisecond: one bucket',
      'day',
      { from: at('2026-12-08T23:59:59.999Z'), end: at('2026-12-09T00:00:00Z') },
      {
        window: {
          bucket: 'day',
          from: at('2026-12-08T00:00:00Z'),
          to: at('2026-12-09T00:00:00Z'),
          count: 1,
        },
      },
    ],
    [
      'a window across midnight by day: both days',
      'day',
      { from: at('2026-12-07T23:00:00Z'), end: at('2026-12-08T01:00:00Z') },
      {
        window: {
          bucket: 'day',
          from: at('2026-12-07T00:00:00Z'),
          to: at('2026-12-09T00:00:00Z'),
          count: 2,
        },
      },
    ],
    [
      'only an end: the 24 hours before it',
      'hour',
      { end: at('2026-01-02T00:00:00Z') },
      {
        window: {
          bucket: 'hour',
          from: at('2026-01-01T00:00:00Z'),
          to: at('2026-01-02T00:00:00Z'),
          count: 24,
        },
      },
    ],
    [
      'only a start: up to now',
      'day',
      { from: at('2026-12-01T00:00:00Z') },
      {
        window: {
          bucket: 'day',
          from: at('2026-12-01T00:00:00Z'),
          to: at('2026-12-09T00:00:00Z'),
          count: 8,
        },
      },
    ],
    [
      'exactly 1000 buckets',
      'hour',
      {
        from: at('2026-01-01T00:00:00Z'),
        end: new Date(Date.parse('2026-01-01T00:00:00Z') + 1000 * 3_600_000),
      },
      {
        window: {
          bucket: 'hour',
          from: at('2026-01-01T00:00:00Z'),
          to: at('2026-02-11T16:00:00Z'),
          count: 1000,
        },
      },
    ],
    [
      '1001 buckets',
      'hour',
      { from: at('2026-01-01T00:00:00Z'), end: at('2026-02-11T16:00:00.001Z') },
      {
        error: {
          field: 'date_from',
          message: 'the window holds 1001 hour buckets; at most 1000 are answered',
        },
      },
    ],
    [
      '1001 days',
      'day',
      {
        from: at('2024-01-01T00:00:00Z'),
        end: new Date(Date.parse('2024-01-01T00:00:00Z') + 1001 * 86_400_000),
      },
      {
        error: {
          field: 'date_from',
          message: 'the window holds 1001 day buckets; at most 1000 are answered',
        },
      },
    ],
    [
      'a start after the end',
      'hour',
      { from: at('2026-12-08T10:00:00.001Z'), end: at('2026-12-08T10:00:00.001Z') },
      { error: { field: 'date_from', message: 'date_from must not be after date_to' } },
    ],
    [
      'only a start, after now',
      'hour',
      { from: at('2026-12-09T00:00:00Z') },
      { error: { field: 'date_from', message: 'date_from must not be after date_to' } },
    ],
  ])('%s', (_, bucket, requested, plan) => {
    expect(planTimeseries(bucket, requested, NOW)).toEqual(plan);
  });
});

describe('bucketStarts', () => {
  it('lists every bucket start, oldest first', () => {
    expect(
      bucketStarts({
        bucket: 'day',
        from: at('2026-02-27T00:00:00Z'),
        to: at('2026-03-02T00:00:00Z'),
        count: 3,
      }),
    ).toEqual([at('2026-02-27T00:00:00Z'), at('2026-02-28T00:00:00Z'), at('2026-03-01T00:00:00Z')]);
    expect(
      bucketStarts({
        bucket: 'hour',
        from: at('2026-12-31T23:00:00Z'),
        to: at('2027-01-01T01:00:00Z'),
        count: 2,
      }),
    ).toEqual([at('2026-12-31T23:00:00Z'), at('2027-01-01T00:00:00Z')]);
  });
});
