/**
 * The exit codes of `porta get` for each kind of client failure: curl's numbers where curl
 * has one, so scripts written for curl read them the same way (docs/toolkit.md).
 */
import type { FailureKind } from '../../client/client-failure.js';

const EXIT_CODES: Readonly<Record<FailureKind, number>> = {
  network: 1,
  'http-status': 22,
  tls: 35,
  certificate: 60,
};

export function exitCodeOf(kind: FailureKind): number {
  return EXIT_CODES[kind];
}
