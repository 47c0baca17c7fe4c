const DAY_MS = 86_400_000;

/** A half-open instant range [from, to); either end may be open. */
export interface InstantRange {
  from?: Date;
  to?: Date;
}

/**
 * How to count a range exactly: whole UTC days from the daily rollup
 * (`days`, `YYYY-MM-DD`, `to` exclusive), and the partial days at either end
 * (`live`) from the records themselves. No range at all: `days` is `{}`.
 */
export interface SummaryPlan {
  days?: { from?: string; to?: string };
  live: InstantRange[];
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function planSummary({ from, to }: InstantRange): SummaryPlan {
  if (!from && !to) return { days: {}, live: [] };
  const firstWholeDay = from && Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const endOfWholeDays = to && Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  if (
    firstWholeDay !== undefined &&
    endOfWholeDays !== undefined &&
    firstWholeDay >= endOfWholeDays
  ) {
    return { live: [{ from, to }] };
  }
  const live: InstantRange[] = [];
  if (from && firstWholeDay !== undefined && from.getTime() < firstWholeDay) {
    live.push({ from, to: new Date(firstWholeDay) });
  }
  if (to && endOfWholeDays !== undefined && endOfWholeDays < to.getTime()) {
    live.push({ from: new Date(endOfWholeDays), to });
  }
  return {
    days: {
      from: firstWholeDay === undefined ? undefined : day(firstWholeDay),
      to: endOfWholeDays === undefined ? undefined : day(endOfWholeDays),
    },
    live,
  };
}
