/**
 * Summarises a V8 CPU profile (node --cpu-prof, or BENCH_CPU_PROF=dir npm run bench):
 * self time by package and by function, so the hot spots read without a browser.
 * Usage: npx ts-node --transpile-only scripts/bench/profile-summary.ts FILE.cpuprofile [top] [skip]
 * where `skip` leaves out the first seconds of the profile (start-up, module loading, JIT).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The innermost node_modules/<package> (scoped too), src/... for our code, or the runtime. */
function owner(url: string): string {
  const inModules = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].pop();
  if (inModules) return inModules[1];
  if (url.includes('/dist/')) return `service: ${url.slice(url.indexOf('/dist/') + 6)}`;
  if (url.startsWith('node:')) return url;
  return url === '' ? '(native / gc / idle)' : url;
}

function main(): void {
  const [file, topArg, skipArg] = process.argv.slice(2);
  const top = Number(topArg ?? 25);
  const skipMicros = Number(skipArg ?? 0) * 1e6;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    elapsed += micros;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || elapsed < skipMicros) return;
    total += micros;
    const who = owner(frame.url);
    byOwner.set(who, (byOwner.get(who) ?? 0) + micros);
    const name = `${frame.functionName || '(anonymous)'} ${who}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  });
  const print = (title: string, entries: Map<string, number>) => {
    console.log(`\n${title} (busy ${(total / 1e6).toFixed(2)} s)`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  print('self time by package', byOwner);
  print('self time by function', byFunction);
}

main();
