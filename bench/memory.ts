/**
 * Resident memory of a server: VmRSS from /proc/<pid>/status, summed over the process and
 * its descendants (so a server that forks workers is counted whole). Linux only; elsewhere
 * the figure is undefined.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { MB } from './load.js';

function readRssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function descendants(root: number): number[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Resident MB (2^20 bytes) of the process tree rooted at pid, or undefined. */
export function residentMegabytes(pid: number): number | undefined {
  const own = readRssKb(pid);
  if (own === undefined) return undefined;
  const total = descendants(pid).reduce((sum, child) => sum + (readRssKb(child) ?? 0), own);
  return (total * 1024) / MB;
}
