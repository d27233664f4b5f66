/**
 * autocannon (devDependency) as the fallback load generator when wrk is absent. It is a
 * node process itself, so it saturates sooner than wrk: its absolute numbers are lower,
 * the ratios to nginx in the same run still mean something.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOST } from './net.js';
import { MB, OVERRUN_SECONDS, type LoadGenerator, type LoadResult, type LoadSpec } from './load.js';
import { REPO_ROOT } from './peers.js';
import { runCommand } from './processes.js';

interface AutocannonReport {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  requests: { total: number };
  throughput: { total: number };
}

function isNumberRecord(value: unknown, keys: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return keys.every((key) => typeof record[key] === 'number');
}

function isAutocannonReport(value: unknown): value is AutocannonReport {
  if (!isNumberRecord(value, ['duration', 'errors', 'timeouts', 'non2xx'])) return false;
  const record = value as Record<string, unknown>;
  return (
    isNumberRecord(record.latency, ['p50', 'p90', 'p99', 'max']) &&
    isNumberRecord(record.requests, ['total']) &&
    isNumberRecord(record.throughput, ['total'])
  );
}

function toResult(report: AutocannonReport): LoadResult {
  const seconds = report.duration;
  return {
    requests: report.requests.total,
    durationSeconds: seconds,
    bytes: report.throughput.total,
    requestsPerSecond: seconds > 0 ? report.requests.total / seconds : 0,
    megabytesPerSecond: seconds > 0 ? report.throughput.total / MB / seconds : 0,
    latencyMs: { p50: report.latency.p50, p90: report.latency.p90, p99: report.latency.p99, max: report.latency.max },
    errors: { connect: 0, read: report.errors, write: 0, timeout: report.timeouts, status: report.non2xx },
  };
}

/** The autocannon entry script, or undefined when it is not installed. */
export function findAutocannon(): string | undefined {
  const link = join(REPO_ROOT, 'node_modules', '.bin', 'autocannon');
  return existsSync(link) ? realpathSync(link) : undefined;
}

export function autocannonVersion(script: string): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(dirname(script), 'package.json'), 'utf8'));
    if (typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string') {
      return `autocannon ${manifest.version}`;
    }
  } catch {
    // fall through
  }
  return 'autocannon';
}

export function createAutocannon(script: string, version: string, pin: readonly string[]): LoadGenerator {
  const run = async (spec: LoadSpec): Promise<LoadResult> => {
    const headerArgs = Object.entries(spec.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
    if (spec.bodyBytes > 0) throw new Error('autocannon fallback: request bodies not supported here (install wrk)');
    const command = [
      ...(spec.multicore ? [] : pin),
      process.execPath,
      script,
      '--json',
      '-c',
      String(spec.connections),
      '-d',
      String(spec.durationSeconds),
      '-p',
      String(spec.pipeline),
      '-m',
      spec.method,
      ...headerArgs,
      `${spec.tls ? 'https' : 'http'}://${HOST}:${spec.port}${spec.path}`,
    ];
    const output = await runCommand(command, (spec.durationSeconds + OVERRUN_SECONDS) * 1000);
    if (output.timedOut) throw new Error(`autocannon did not finish within ${spec.durationSeconds + OVERRUN_SECONDS} s`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output.stdout);
    } catch {
      parsed = undefined;
    }
    if (!isAutocannonReport(parsed)) {
      const said = output.stderr.trim().split('\n').slice(-3).join(' | ');
      throw new Error(`autocannon gave no report (exit ${output.code ?? output.signal}): ${said}`);
    }
    return toResult(parsed);
  };
  return { name: 'autocannon', version, run };
}
