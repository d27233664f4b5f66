/**
 * The challenges of a 401's WWW-Authenticate fields (RFC 9110 §11.6.1): each is an
 * auth-scheme followed by either a token68 or a comma-separated list of auth-params, and one
 * field may hold several challenges ("Basic realm=x, Digest realm=y, nonce=z"). Commas thus
 * separate both challenges and parameters: a token followed by `=` is a parameter, any other
 * token starts the next challenge. Parsing never throws: what cannot be read is dropped.
 */
import type { HttpField } from './http-message.js';

export interface Challenge {
  /** The scheme, lower-cased ('basic', 'digest'...). */
  readonly scheme: string;
  /** Parameter names lower-cased (RFC 9110 §11.2: they are case-insensitive). */
  readonly params: ReadonlyMap<string, string>;
}

/** RFC 9110 §5.6.2 tchar. */
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** Every challenge in every WWW-Authenticate field of a response, in order. */
export function challengesOf(fields: readonly HttpField[]): Challenge[] {
  const challenges: Challenge[] = [];
  for (const field of fields) {
    if (field.name.toLowerCase() === 'www-authenticate') challenges.push(...parseChallenges(field.value));
  }
  return challenges;
}

export function parseChallenges(text: string): Challenge[] {
  const reader = new Reader(text);
  const challenges: Challenge[] = [];
  let current: { scheme: string; params: Map<string, string> } | undefined;
  while (!reader.done()) {
    reader.skip(/[ \t,]/);
    if (reader.done()) break;
    const start = reader.at;
    const name = reader.token();
    if (name === '') return challenges;
    reader.skip(/[ \t]/);
    if (current && reader.peek() === '=' && isParam(reader)) {
      // An auth-param of the current challenge.
      reader.next();
      reader.skip(/[ \t]/);
      const value = reader.peek() === '"' ? reader.quoted() : reader.token();
      if (value === undefined) return challenges;
      if (!current.params.has(name.toLowerCase())) current.params.set(name.toLowerCase(), value);
      continue;
    }
    if (current && reader.peek() === '=') {
      // A token68 (`Negotiate abc==`): nothing this client uses; skip to the next comma.
      reader.at = start;
      reader.skip(/[^,]/);
      continue;
    }
    current = { scheme: name.toLowerCase(), params: new Map() };
    challenges.push(current);
    // The scheme's token68, if any, is handled by the loop above like a parameter-less token.
  }
  return challenges;
}

/** After `name` and BWS, an `=` followed by a value (not more `=`: that is token68 padding). */
function isParam(reader: Reader): boolean {
  const after = reader.text.slice(reader.at + 1).trimStart();
  return after !== '' && after[0] !== '=' && after[0] !== ',';
}

class Reader {
  at = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.at];
  }

  next(): void {
    this.at++;
  }

  skip(pattern: RegExp): void {
    while (!this.done() && pattern.test(this.text[this.at] as string)) this.at++;
  }

  token(): string {
    const start = this.at;
    this.skip(TCHAR);
    return this.text.slice(start, this.at);
  }

  /** RFC 9110 §5.6.4 quoted-string, its escapes undone; undefined when unterminated. */
  quoted(): string | undefined {
    let value = '';
    for (this.at++; !this.done(); this.at++) {
      const char = this.text[this.at] as string;
      if (char === '"') {
        this.at++;
        return value;
      }
      if (char === '\\') this.at++;
      value += this.text[this.at] ?? '';
    }
    return undefined;
  }
}
