import type { Cluster, PgBouncer } from './clusters';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { scaleServers?: { clusters: Cluster[]; bouncer: PgBouncer } })
    .scaleServers;
  if (!servers) return;
  await servers.bouncer.stop();
  for (const cluster of servers.clusters) await cluster.stop();
}
