/**
 * `npm run fuzz -- [--seed N] [--count M] [--from I] [--concurrency C]`: mutation fuzzing of a
 * live porta (test/fuzz/engine.ts). Prints progress every 10,000 inputs and a summary; exits 1
 * when any input or check failed (failing inputs are saved under test/fuzz/failures/ with the
 * command that replays each).
 */
import { describeReport, mib, runFuzz } from '../../test/fuzz/engine.js';
import { numberFlag, parseFlags } from './flags.js';

const flags = parseFlags(process.argv.slice(2), ['seed', 'count', 'from', 'concurrency']);
const seed = numberFlag(flags, 'seed', Date.now() % 1_000_000);
const count = numberFlag(flags, 'count', 100_000);
const from = numberFlag(flags, 'from', 0);
const concurrency = numberFlag(flags, 'concurrency', 64);

console.log(`porta fuzz: seed ${seed}, ${count} inputs from ${from}, ${concurrency} connections at once`);
const report = await runFuzz({
  seed,
  count,
  from,
  concurrency,
  progressEvery: 10_000,
  onProgress: (r) => console.log(`  ${r.done} inputs, ${r.responses} responses, ${(r.elapsedMs / 1000).toFixed(0)} s, RSS ${mib(process.memoryUsage().rss)}, ${r.failures.length} failure(s)`),
});
for (const line of describeReport(report)) console.log(line);
for (const failure of report.failures.slice(0, 20)) {
  console.log(`FAIL ${failure.index === undefined ? '(run)' : `input ${failure.index}`}: ${failure.problem}`);
  if (failure.saved) console.log(`     saved: ${failure.saved}; reproduce: npm run fuzz -- --seed ${seed} --from ${failure.index} --count 1`);
}
process.exitCode = report.failures.length === 0 ? 0 : 1;
