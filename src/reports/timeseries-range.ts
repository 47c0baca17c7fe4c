/** The bucket sizes GET /reports/timeseries offers, in milliseconds (UTC has no DST). */
export const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
export type Bucket = keyof typeof BUCKET_MS;
export const BUCKETS = Object.keys(BUCKET_MS) as Bucket[];

/** At most this many points in one answer. */
export const MAX_BUCKETS = 1000;

/** The window when date_from is not given: the 24 hours before date_to. */
export const DEFAULT_WINDOW_MS = 86_400_000;

/**
 * The whole buckets a window covers: `from` the start of the first (inclusive), `to`
 * the end of the last (exclusive), both aligned to UTC, `count` of them.
 */
export interface TimeseriesWindow {
  bucket: Bucket;
  from: Date;
  to: Date;
  count: number;
}

export type TimeseriesPlan =
  | { window: TimeseriesWindow; error?: undefined }
  | { error: { field: 'date_from'; message: string }; window?: undefined };

/**
 * The buckets of a requested window. `from` is its first instant (inclusive; default:
 * DEFAULT_WINDOW_MS before `end`), `end` the instant just after its last one
 * (exclusive; default: just after `now`). Every bucket that overlaps the window is
 * counted whole: the window widens to bucket edges (the rollup is hourly, so a part
 * of a bucket cannot be counted from it), and the answer says which window it covers.
 */
export function planTimeseries(
  bucket: Bucket,
  requested: { from?: Date; end?: Date },
  now: Date,
): TimeseriesPlan {
  const size = BUCKET_MS[bucket];
  const end = requested.end?.getTime() ?? now.getTime() + 1;
  const from = requested.from?.getTime() ?? end - DEFAULT_WINDOW_MS;
  if (from >= end) {
    return { error: { field: 'date_from', message: 'date_from must not be after date_to' } };
  }
  const first = Math.floor(from / size) * size;
  const last = Math.ceil(end / size) * size;
  const count = (last - first) / size;
  if (count > MAX_BUCKETS) {
    return {
      error: {
        field: 'date_from',
        message: `the window holds ${count} ${bucket} buckets; at most ${MAX_BUCKETS} are answered`,
      },
    };
  }
  return { window: { bucket, from: new Date(first), to: new Date(last), count } };
}

/** The start of every bucket of the window, oldest first. */
export function bucketStarts({ bucket, from, count }: TimeseriesWindow): Date[] {
  return Array.from({ length: count }, (_, i) => new Date(from.getTime() + i * BUCKET_MS[bucket]));
}
