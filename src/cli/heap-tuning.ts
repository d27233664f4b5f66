/**
 * Memory tuning for the long-running commands (serve, echo, hello), applied before they start.
 *
 * V8 doubles its young generation (two semi-spaces, 1 MiB each at start, up to 16 MiB) when
 * many young objects survive a collection, which is what thousands of connections opening
 * at once look like, and it never gives those pages back. Held at its first size, the
 * young generation makes 10,000 idle keep-alive connections cost about 34 MB instead of
 * 53 MB; short-lived request objects die young either way, so throughput does not change
 * measurably (docs/performance.md has the figures). Only the CLI does this: a program that
 * embeds porta through the API keeps its own V8 settings.
 */
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
