/**
 * The memory figures: resident memory of a freshly started server at rest, then with N
 * idle keep-alive connections open (spec: 10,000). Measured on a fresh server, before any
 * load, so heap growth from the scenarios does not blur it.
 */
import { SMALL_PATH } from './fixtures.js';
import { IdleConnections } from './idle.js';
import { residentMegabytes } from './memory.js';
import { sleep } from './net.js';
import type { Progress } from './progress.js';
import type { MemoryOutcome } from './results.js';
import type { RunningServer } from './server.js';

const SETTLE_MS = 1000;

export async function measureMemory(server: RunningServer, connections: number, progress: Progress): Promise<MemoryOutcome> {
  const label = `MEM ${server.peer.name}`;
  progress.show(`${label}: idle`);
  await sleep(SETTLE_MS);
  const idleMb = residentMegabytes(server.pid);
  if (idleMb === undefined) return { peer: server.peer.name, idleMb, withConnections: undefined, reason: 'no /proc/<pid>/status here' };

  progress.show(`${label}: opening ${connections} idle connections`);
  const idle = new IdleConnections(server.port, SMALL_PATH);
  try {
    const opened = await idle.open(connections);
    await sleep(SETTLE_MS);
    const mb = residentMegabytes(server.pid);
    return { peer: server.peer.name, idleMb, withConnections: { ...opened, opened: Math.min(opened.opened, idle.openCount), mb } };
  } finally {
    progress.show(`${label}: closing idle connections`);
    await idle.closeAll();
  }
}
