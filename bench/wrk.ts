/**
 * wrk as the load generator. Its numbers come from a Lua `done` hook that prints one JSON
 * line (requests, duration, bytes, error counts, latency percentiles in microseconds), so
 * nothing depends on wrk's human-readable output. Pipelining (S4) is a Lua `request`
 * hook returning N requests in one write, as in wrk's own pipeline.lua. wrk times such a
 * batch as one latency sample, and its coordinated-omission correction then adds samples
 * below the recorded minimum, so its percentiles come out as 0: pipelined runs report no
 * latency.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { HOST } from './net.js';
import { MB, OVERRUN_SECONDS, type LoadGenerator, type LoadResult, type LoadSpec } from './load.js';
import { runCommand } from './processes.js';

const MARKER = 'PORTA-BENCH-JSON ';

const DONE_HOOK = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '${MARKER}{"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,' ..
    '"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

function pipelineHook(depth: number): string {
  return `
init = function(args)
  local batch = {}
  for i = 1, ${depth} do
    batch[i] = wrk.format(nil, wrk.path)
  end
  pipelined = table.concat(batch)
end

request = function()
  return pipelined
end
`;
}

interface WrkReport {
  requests: number;
  duration_us: number;
  bytes: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const REPORT_KEYS: ReadonlyArray<keyof WrkReport> = ['requests', 'duration_us', 'bytes', 'connect', 'read', 'write', 'status', 'timeout', 'p50', 'p90', 'p99', 'max'];

function isWrkReport(value: unknown): value is WrkReport {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return REPORT_KEYS.every((key) => typeof record[key] === 'number');
}

function parseReport(stdout: string): WrkReport | undefined {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(MARKER));
  if (line === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(line.slice(MARKER.length));
    return isWrkReport(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function toResult(report: WrkReport, pipelined: boolean): LoadResult {
  const durationSeconds = report.duration_us / 1e6;
  const us = (value: number): number => value / 1000;
  return {
    requests: report.requests,
    durationSeconds,
    bytes: report.bytes,
    requestsPerSecond: durationSeconds > 0 ? report.requests / durationSeconds : 0,
    megabytesPerSecond: durationSeconds > 0 ? report.bytes / MB / durationSeconds : 0,
    latencyMs: pipelined ? undefined : { p50: us(report.p50), p90: us(report.p90), p99: us(report.p99), max: us(report.max) },
    errors: { connect: report.connect, read: report.read, write: report.write, timeout: report.timeout, status: report.status },
  };
}

/** PUT with a body of N bytes, set at the script's top level as wrk's docs describe. */
function bodyHook(method: string, bodyBytes: number): string {
  if (method === 'GET' && bodyBytes === 0) return '';
  return `wrk.method = "${method}"\nwrk.body = string.rep("p", ${bodyBytes})\n`;
}

export function createWrk(binary: string, version: string, scratch: string, pin: readonly string[]): LoadGenerator {
  const scripts = new Map<string, string>();
  const scriptFor = (spec: LoadSpec): string => {
    const key = `${spec.pipeline}-${spec.method}-${spec.bodyBytes}`;
    let path = scripts.get(key);
    if (path === undefined) {
      path = join(scratch, `wrk-${key}.lua`);
      writeFileSync(path, bodyHook(spec.method, spec.bodyBytes) + (spec.pipeline > 1 ? pipelineHook(spec.pipeline) : '') + DONE_HOOK);
      scripts.set(key, path);
    }
    return path;
  };
  const run = async (spec: LoadSpec): Promise<LoadResult> => {
    const headerArgs = Object.entries(spec.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const command = [
      ...(spec.multicore ? [] : pin),
      binary,
      `-t${spec.multicore ? cpus().length : 1}`,
      `-c${spec.connections}`,
      `-d${spec.durationSeconds}s`,
      '-s',
      scriptFor(spec),
      ...headerArgs,
      `${spec.tls ? 'https' : 'http'}://${HOST}:${spec.port}${spec.path}`,
    ];
    const output = await runCommand(command, (spec.durationSeconds + OVERRUN_SECONDS) * 1000);
    if (output.timedOut) throw new Error(`wrk did not finish within ${spec.durationSeconds + OVERRUN_SECONDS} s`);
    const report = parseReport(output.stdout);
    if (report === undefined) {
      const said = (output.stderr + output.stdout).trim().split('\n').slice(-3).join(' | ');
      throw new Error(`wrk gave no report (exit ${output.code ?? output.signal}): ${said}`);
    }
    return toResult(report, spec.pipeline > 1);
  };
  return { name: 'wrk', version, run };
}

/** `wrk -v` prints its version on the first line and exits non-zero; keep the line. */
export async function wrkVersion(binary: string): Promise<string> {
  const output = await runCommand([binary, '-v'], 5000);
  const first = (output.stdout + output.stderr).split('\n')[0] ?? '';
  return first.replace(/\s*Copyright.*$/, '').trim() || 'wrk';
}
