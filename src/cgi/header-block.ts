/**
 * The header block a CGI program writes before its body (RFC 3875 section 6): fields, one
 * per line (LF or CRLF), ended by an empty line. The parser is fed the program's output as
 * it arrives and answers once the block is complete, keeping at most `maxBytes` of it: a
 * program that never ends its block (or floods it) is malformed, never buffered without end.
 *
 * What the block means (section 6.3): `Status: NNN reason` sets the status line (any
 * three-digit code from 200 to 999; a 1xx would be an interim response, which a program
 * cannot send); `Location` without `Status` is a redirect (302); `Content-Type` passes
 * through; at least one of the three must be there. Every other field passes through.
 */
import { isToken } from '../http/syntax.js';

export interface CgiHead {
  readonly status: number;
  /** The program's reason phrase, when it gave one. */
  readonly reason: string | undefined;
  /** Location given without Status: a redirect (RFC 3875 section 6.2.3/6.2.4). */
  readonly redirect: boolean;
  /** Every field except Status, in the program's order, names as written. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** Output that followed the empty line: the start of the body. */
  readonly rest: Buffer;
}

/** The program's output is not a valid header block: the reason, for the error log. */
export class CgiOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CgiOutputError';
  }
}

export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;

const LF = 0x0a;
const STATUS = /^([2-9]\d\d)(?:[ \t]+([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
// A field value: visible characters, spaces and tabs, and obs-text; no other controls.
const FIELD_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

export class CgiHeaderParser {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(private readonly maxBytes: number = DEFAULT_MAX_HEADER_BYTES) {}

  /**
   * Adds output; returns the head once the empty line has arrived, undefined while more is
   * needed. Throws CgiOutputError when the block is malformed or longer than the bound.
   */
  push(chunk: Buffer): CgiHead | undefined {
    // Back two bytes, so an empty line split across chunks ("\n" | "\r\n") is still found.
    const searchFrom = Math.max(0, this.#pendingBytes - 2);
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    const data = this.#pending.length === 1 ? chunk : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [data];
    const end = findBlockEnd(data, searchFrom);
    if (end === undefined) {
      if (this.#pendingBytes > this.maxBytes) throw new CgiOutputError(`the header block is longer than ${this.maxBytes} bytes`);
      return undefined;
    }
    if (end.blockEnd > this.maxBytes) throw new CgiOutputError(`the header block is longer than ${this.maxBytes} bytes`);
    return interpret(data.toString('latin1', 0, end.blockEnd), data.subarray(end.bodyStart));
  }

  /** The output ended: a block that never completed is malformed. */
  end(): never {
    if (this.#pendingBytes === 0) throw new CgiOutputError('the program wrote nothing');
    throw new CgiOutputError('the output ended before the empty line that ends the header block');
  }
}

/** Where the empty line is: the block's lines end before `blockEnd`; the body starts at `bodyStart`. */
function findBlockEnd(data: Buffer, from: number): { blockEnd: number; bodyStart: number } | undefined {
  // An empty first line (the block has no fields) is found as a line feed at offset 0 or 1.
  if (from === 0) {
    if (data[0] === LF) return { blockEnd: 0, bodyStart: 1 };
    if (data[0] === 0x0d && data[1] === LF) return { blockEnd: 0, bodyStart: 2 };
  }
  let index = data.indexOf(LF, from);
  while (index !== -1) {
    const next = index + 1;
    if (data[next] === LF) return { blockEnd: next, bodyStart: next + 1 };
    if (data[next] === 0x0d && data[next + 1] === LF) return { blockEnd: next, bodyStart: next + 2 };
    index = data.indexOf(LF, next);
  }
  return undefined;
}

function interpret(block: string, rest: Buffer): CgiHead {
  const lines = block.split('\n');
  // The block ends with a line feed, so the last element is the empty string after it.
  lines.pop();
  let status: string | undefined;
  let contentType = false;
  let location = false;
  const fields: Array<readonly [string, string]> = [];
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CgiOutputError(`the header line '${printable(line)}' is not a field`);
    const name = line.slice(0, colon);
    if (!isToken(name)) throw new CgiOutputError(`the field name '${printable(name)}' is not a token`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw new CgiOutputError(`the value of ${name} contains a control character`);
    const lower = name.toLowerCase();
    if (lower === 'status') {
      if (status !== undefined) throw new CgiOutputError('Status is given twice');
      status = value;
      continue;
    }
    if (lower === 'content-type') {
      if (contentType) throw new CgiOutputError('Content-Type is given twice');
      contentType = true;
    } else if (lower === 'location') {
      if (location) throw new CgiOutputError('Location is given twice');
      if (value === '') throw new CgiOutputError('Location is empty');
      location = true;
    }
    fields.push([name, value]);
  }
  if (status === undefined) {
    if (location) return { status: 302, reason: undefined, redirect: true, fields, rest };
    if (!contentType) throw new CgiOutputError('the header block has none of Content-Type, Location and Status');
    return { status: 200, reason: undefined, redirect: false, fields, rest };
  }
  const match = STATUS.exec(status);
  if (match === null) throw new CgiOutputError(`Status '${printable(status)}' is not a three-digit code (200-999) and a reason`);
  const reason = match[2] === undefined || match[2] === '' ? undefined : match[2];
  return { status: Number(match[1]), reason, redirect: false, fields, rest };
}

/** A line for an error message: control characters shown as escapes, at most 80 characters. */
function printable(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return shown.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
