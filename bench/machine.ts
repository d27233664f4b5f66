/**
 * How busy the machine is while the bench itself is idle: on a shared machine other work
 * on the CPUs makes absolute numbers drift (the ratios suffer less, see schedule.ts). The
 * figure goes into the report so a noisy run is recognisable.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { sleep } from './net.js';

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

function readCpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Percent of all CPUs busy over `ms` (while the bench runs nothing), or undefined. */
export async function cpuBusyPercent(ms = 1000): Promise<number | undefined> {
  const before = readCpuTimes();
  await sleep(ms);
  const after = readCpuTimes();
  if (before === undefined || after === undefined || after.total === before.total) return undefined;
  return (100 * (after.busy - before.busy)) / (after.total - before.total);
}

export function describeMachine(): { cpus: number; cpuModel: string } {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model ?? 'unknown' };
}
