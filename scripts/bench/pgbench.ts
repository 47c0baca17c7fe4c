import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryMode } from './config';
import { runInOwnSession } from './processes';

export interface PgbenchRun {
  databaseUrl: string;
  script: string;
  variables: Record<string, string>;
  clients: number;
  duration: number;
  mode: QueryMode;
  workDir: string;
}

/** Runs a pgbench custom script; resolves with transactions per second. */
export async function pgbench(run: PgbenchRun): Promise<number> {
  const scriptFile = join(run.workDir, 'pgbench-script.sql');
  writeFileSync(scriptFile, run.script);
  const url = new URL(run.databaseUrl);
  const variables = { ...run.variables, nclients: String(run.clients) };
  const args = [
    '--no-vacuum',
    `--protocol=${run.mode}`,
    `--client=${run.clients}`,
    `--jobs=${Math.min(run.clients, 2)}`,
    `--time=${run.duration}`,
    `--file=${scriptFile}`,
    ...Object.entries(variables).map(([name, value]) => `--define=${name}=${value}`),
    `--host=${url.hostname}`,
    `--port=${url.port || '5432'}`,
    `--username=${decodeURIComponent(url.username) || 'postgres'}`,
    url.pathname.slice(1),
  ];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  const { code, stdout, stderr } = await runInOwnSession('pgbench', args, env);
  const tps = /^tps = ([\d.]+)/m.exec(stdout);
  if (code !== 0 || !tps) {
    throw new Error(`pgbench exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return Number(tps[1]);
}
