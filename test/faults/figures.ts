import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** One row of the table printed at the end of `npm run test:faults`. */
export interface ScenarioFigures {
  scenario: string;
  faults: number;
  requests: number;
  acknowledged: number;
  lost: number;
  doubleProcessed: number;
  serverErrors: number;
  unavailable: number;
  hangs: number;
  longestOutageWaitMs: number;
  recoveryMs?: number;
}

// Spec files run in separate module registries: the rows meet in a file.
const FILE = resolve(__dirname, '../../.data/faults-figures.json');

export function resetFigures(): void {
  rmSync(FILE, { force: true });
}

export function recordFigures(row: ScenarioFigures): void {
  const rows = readFigures();
  rows.push(row);
  mkdirSync(dirname(FILE), { recursive: true });
  writeFileSync(FILE, JSON.stringify(rows, null, 1));
}

export function readFigures(): ScenarioFigures[] {
  return existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as ScenarioFigures[]) : [];
}

const COLUMNS: [keyof ScenarioFigures, string][] = [
  ['faults', 'faults'],
  ['requests', 'requests'],
  ['acknowledged', 'acked writes'],
  ['lost', 'lost writes'],
  ['doubleProcessed', 'double proc.'],
  ['serverErrors', '5xx (not 503)'],
  ['unavailable', '503+Retry-After'],
  ['hangs', 'hangs'],
  ['longestOutageWaitMs', 'longest outage wait ms'],
  ['recoveryMs', 'recovery ms'],
];

/** A row of zeros: the start of the total, or a scenario that sends no requests. */
export function emptyFigures(scenario: string, faults = 0): ScenarioFigures {
  return {
    scenario,
    faults,
    requests: 0,
    acknowledged: 0,
    lost: 0,
    doubleProcessed: 0,
    serverErrors: 0,
    unavailable: 0,
    hangs: 0,
    longestOutageWaitMs: 0,
  };
}

export function formatFigures(rows: ScenarioFigures[]): string {
  const total: ScenarioFigures = { ...emptyFigures('TOTAL'), recoveryMs: 0 };
  for (const row of rows) {
    for (const [key] of COLUMNS) {
      const value = (row[key] as number | undefined) ?? 0;
      const max = key === 'longestOutageWaitMs' || key === 'recoveryMs';
      (total[key] as number) = max
        ? Math.max(total[key] as number, value)
        : (total[key] as number) + value;
    }
  }
  const header = ['scenario', ...COLUMNS.map(([, title]) => title)];
  const lines = [...rows, total].map((row) => [
    row.scenario,
    ...COLUMNS.map(([key]) => (row[key] === undefined ? '-' : String(row[key]))),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i].length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [
    format(header),
    rule,
    ...lines.slice(0, -1).map(format),
    rule,
    format(lines[lines.length - 1]),
  ].join('\n');
}
