import { planSummary } from './summary-range';

const at = (iso: string) => new Date(iso);

describe('planSummary', () => {
  it('uses the all-time totals when there is no range', () => {
    expect(planSummary({})).toEqual({ days: {}, live: [] });
  });

  it('answers whole days from the rollup alone', () => {
    expect(
      planSummary({ from: at('2026-01-01T00:00:00Z'), to: at('2026-01-08T00:00:00Z') }),
    ).toEqual({
      days: { from: '2026-01-01', to: '2026-01-08' },
      live: [],
    });
  });

  it('counts the partial days at both ends live', () => {
    expect(
      planSummary({ from: at('2026-01-01T06:00:00Z'), to: at('2026-01-08T12:00:00Z') }),
    ).toEqual({
      days: { from: '2026-01-02', to: '2026-01-08' },
      live: [
        { from: at('2026-01-01T06:00:00Z'), to: at('2026-01-02T00:00:00Z') },
        { from: at('2026-01-08T00:00:00Z'), to: at('2026-01-08T12:00:00Z') },
      ],
    });
  });

  it('counts a range inside one day live', () => {
    const range = { from: at('2026-01-01T06:00:00Z'), to: at('2026-01-01T07:00:00Z') };
    expect(planSummary(range)).toEqual({ live: [range] });
  });

  it('handles open ends', () => {
    expect(planSummary({ from: at('2026-01-01T06:00:00Z') })).toEqual({
      days: { from: '2026-01-02', to: undefined },
      live: [{ from: at('2026-01-01T06:00:00Z'), to: at('2026-01-02T00:00:00Z') }],
    });
    expect(planSummary({ to: at('2026-01-08T00:00:00Z') })).toEqual({
      days: { from: undefined, to: '2026-01-08' },
      live: [],
    });
  });
});
