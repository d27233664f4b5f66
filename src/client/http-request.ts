/**
 * The request `porta get` sends: a request line and fields (RFC 9112 §3), with the
 * defaults every request carries and the user's -H fields merged in.
 */
import { PORTA_VERSION } from '../version.js';
import { ClientFailure } from './client-failure.js';
import type { HttpField } from './http-message.js';
import type { HttpTarget } from './http-target.js';

/** RFC 9110 §5.6.2: token = 1*tchar (methods and field names are tokens). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5: a field value never contains CR, LF or NUL (no header injection). */
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;

/** Methods whose request is expected to have content; an empty one is announced as such. */
const METHODS_WITH_CONTENT = new Set(['POST', 'PUT', 'PATCH']);

/** Parses `-H 'Name: value'`; throws a ClientFailure for anything that is not a field. */
export function parseFieldArgument(text: string): HttpField {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new ClientFailure(`-H '${text}' is not a header field (expected 'Name: value')`);
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!TOKEN.test(name)) throw new ClientFailure(`-H '${text}': '${name}' is not a valid field name`);
  if (FORBIDDEN_IN_VALUE.test(value)) throw new ClientFailure(`-H '${text}': the value contains CR, LF or NUL`);
  return { name, value };
}

/** Checks a method name (-X); throws a ClientFailure when it is not a token. */
export function checkMethod(method: string): string {
  if (!TOKEN.test(method)) throw new ClientFailure(`-X '${method}' is not a valid method name`);
  return method;
}

/** What besides the user's fields shapes a request's head. */
export interface RequestExtras {
  /** The Authorization value to send (-u); by default Basic from the URL's user:password. */
  readonly authorization?: string | undefined;
  /** Content sent after the head: its length, and the Content-Type to announce (-d). */
  readonly content?: { readonly length: number; readonly type?: string | undefined } | undefined;
}

/**
 * The fields of a request. Defaults come first (Host first, as RFC 9112 §3.2 recommends);
 * a user field with the same name replaces the default, and one with an empty value
 * (`-H 'Accept:'`) removes it, as in curl.
 */
export function requestFields(method: string, target: HttpTarget, userFields: readonly HttpField[], extras: RequestExtras = {}): HttpField[] {
  const defaults: HttpField[] = [
    { name: 'Host', value: target.hostField },
    { name: 'User-Agent', value: `porta/${PORTA_VERSION}` },
    { name: 'Accept', value: '*/*' },
    // One request per connection: the end of the response is then never in doubt.
    { name: 'Connection', value: 'close' },
  ];
  if (extras.authorization !== undefined) {
    defaults.push({ name: 'Authorization', value: extras.authorization });
  } else if (target.credentials) {
    const { user, password } = target.credentials;
    defaults.push({ name: 'Authorization', value: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  }
  const { content } = extras;
  if (content !== undefined) {
    // RFC 9112 §6.2: the content's length, so the server knows where the request ends.
    if (content.type !== undefined) defaults.push({ name: 'Content-Type', value: content.type });
    defaults.push({ name: 'Content-Length', value: String(content.length) });
  } else if (METHODS_WITH_CONTENT.has(method.toUpperCase())) {
    // RFC 9110 §8.6: a user agent should send Content-Length when the method expects content.
    defaults.push({ name: 'Content-Length', value: '0' });
  }

  const fields = [...defaults];
  for (const field of userFields) {
    const replaces = fields.findIndex((existing) => defaults.includes(existing) && sameName(existing.name, field.name));
    if (replaces === -1) fields.push(field);
    else if (field.value === '') fields.splice(replaces, 1);
    else fields[replaces] = field;
  }
  return fields;
}

/** The request head as sent on the wire, ending with the empty line. */
export function formatRequestHead(method: string, target: HttpTarget, fields: readonly HttpField[]): string {
  const lines = [`${method} ${target.requestTarget} HTTP/1.1`, ...fields.map((f) => `${f.name}: ${f.value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
