/**
 * Is what came back on one connection a well-framed stream of HTTP/1.1 responses? The fuzzer
 * does not know how porta read its (mutated) requests, so it does not know which answers are
 * to HEAD: each response is read both ways (with its body, and as a HEAD answer without one)
 * and the reading after which the next response starts (or the stream ends) is kept.
 */
import { readResponseAt, type ParsedResponse } from '../helpers/raw-client.js';

export interface StreamCheck {
  readonly statuses: readonly number[];
  /** What is wrong with the stream, or undefined when it is well framed. */
  readonly problem?: string;
}

const NEXT = Buffer.from('HTTP/1.', 'latin1');

function startsResponse(data: Buffer, offset: number): boolean {
  return offset === data.length || (data.length - offset < NEXT.length ? NEXT.subarray(0, data.length - offset).equals(data.subarray(offset)) : data.subarray(offset, offset + NEXT.length).equals(NEXT));
}

type Reading = { response: ParsedResponse; end: number } | 'incomplete' | Error;

function read(data: Buffer, offset: number, method: string, ended: boolean): Reading {
  try {
    return readResponseAt(data, offset, method, ended);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Problems with one response taken on its own, or undefined. */
function responseProblem(response: ParsedResponse): string | undefined {
  if (response.version !== 'HTTP/1.1') return `status line ${JSON.stringify(response.statusLine)} is not HTTP/1.1`;
  if (response.getAll('date').length !== 1 || response.getAll('server').length !== 1) return `${response.status} without exactly one Date and Server`;
  const length = response.getAll('content-length').length;
  const chunked = response.getAll('transfer-encoding').length;
  if (length > 1 || chunked > 1 || (length === 1 && chunked === 1)) return `${response.status} with conflicting framing fields`;
  const bodiless = response.status < 200 || response.status === 204 || response.status === 304;
  if (!bodiless && length + chunked === 0 && response.get('connection')?.toLowerCase() !== 'close') {
    return `${response.status} has no Content-Length or Transfer-Encoding and does not close`;
  }
  return undefined;
}

/**
 * Checks `data`, everything received on a connection. `ended`: the server closed it.
 * `truncatedOk`: the client stopped reading (a response abandoned at the send timeout may
 * be cut short).
 */
export function checkResponseStream(data: Buffer, ended: boolean, truncatedOk: boolean): StreamCheck {
  const statuses: number[] = [];
  let offset = 0;
  while (offset < data.length) {
    let chosen: { response: ParsedResponse; end: number } | undefined;
    let incomplete = false;
    let error: Error | undefined;
    for (const method of ['GET', 'HEAD']) {
      const reading = read(data, offset, method, ended);
      if (reading === 'incomplete') incomplete = true;
      else if (reading instanceof Error) error ??= reading;
      else if (startsResponse(data, reading.end)) {
        chosen = reading;
        break;
      }
    }
    if (chosen === undefined) {
      if (incomplete && (truncatedOk || !ended)) break;
      const at = JSON.stringify(data.toString('latin1', offset, offset + 120));
      return { statuses, problem: incomplete ? `response cut short at byte ${offset}: ${at}` : `malformed response at byte ${offset} (${error?.message ?? 'followed by garbage'}): ${at}` };
    }
    const problem = responseProblem(chosen.response);
    if (problem !== undefined) return { statuses, problem };
    if (chosen.response.status >= 200) statuses.push(chosen.response.status);
    if (chosen.response.get('connection')?.toLowerCase() === 'close' && chosen.end !== data.length) {
      return { statuses, problem: `bytes after a response with Connection: close: ${JSON.stringify(data.toString('latin1', chosen.end, chosen.end + 80))}` };
    }
    offset = chosen.end;
  }
  return { statuses };
}
