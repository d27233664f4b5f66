/**
 * The environment of a CGI program (RFC 3875 section 4.1, docs/serve.md, CGI programs): the request
 * meta-variables and nothing of the server's own environment but PATH. Values come only from
 * the request and the connection, so a client can set nothing but what the RFC gives it.
 */
import type { Fields } from '../http/fields.js';

export interface CgiRequestFacts {
  readonly serverSoftware: string;
  /** The Host the client named (absolute-form target or Host field), port included. */
  readonly authority: string | undefined;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly protocol: string;
  readonly method: string;
  /** Path and query as sent (REQUEST_URI). */
  readonly requestUri: string;
  /** The decoded URL path of the program itself. */
  readonly scriptName: string;
  readonly scriptFilename: string;
  /** Decoded segments after the program's name ('' when none). */
  readonly pathInfo: string;
  /** The query as sent, without '?' ('' when none). */
  readonly queryString: string;
  readonly authType: string | undefined;
  readonly remoteUser: string | undefined;
  /** Content-Length of the body the program reads, when the request declared one. */
  readonly contentLength: number | undefined;
  readonly fields: Fields;
  /** The server's PATH, the one value of its own environment a program gets. */
  readonly searchPath: string;
}

/**
 * Request fields that do not become HTTP_* variables: the body's own (given as CONTENT_TYPE
 * and CONTENT_LENGTH), credentials (RFC 3875 section 4.1.18 lets a server withhold them;
 * Apache does), hop-by-hop framing, and Proxy, whose HTTP_PROXY would be taken by many
 * programs' HTTP clients as their proxy ("httpoxy").
 */
const WITHHELD_FIELDS = new Set(['content-type', 'content-length', 'authorization', 'proxy-authorization', 'proxy', 'connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'keep-alive']);

/** Field names that map to a variable name one-to-one: letters, digits and '-'. */
const ENVIRONMENT_NAME = /^[A-Za-z0-9-]+$/;

export function buildCgiEnvironment(facts: CgiRequestFacts): Record<string, string> {
  const host = facts.authority ?? hostForAddress(facts.localAddress, facts.localPort);
  const env: Record<string, string> = {
    PATH: facts.searchPath,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: facts.serverSoftware,
    SERVER_NAME: hostName(facts.authority) ?? facts.localAddress,
    SERVER_PORT: String(facts.localPort),
    SERVER_ADDR: facts.localAddress,
    SERVER_PROTOCOL: facts.protocol,
    REQUEST_METHOD: facts.method,
    REQUEST_URI: facts.requestUri,
    SCRIPT_NAME: facts.scriptName,
    SCRIPT_URI: `http://${host}${encodeURI(facts.scriptName)}`,
    SCRIPT_FILENAME: facts.scriptFilename,
    PATH_INFO: facts.pathInfo,
    QUERY_STRING: facts.queryString,
    REMOTE_ADDR: facts.remoteAddress,
    REMOTE_PORT: String(facts.remotePort),
  };
  // Section 4.1.1 and 4.1.11: only when the request was authenticated.
  if (facts.authType !== undefined) env.AUTH_TYPE = facts.authType;
  if (facts.remoteUser !== undefined) env.REMOTE_USER = facts.remoteUser;
  // Sections 4.1.2 and 4.1.3: only when the request has content.
  if (facts.contentLength !== undefined) env.CONTENT_LENGTH = String(facts.contentLength);
  const contentType = facts.fields.get('content-type');
  if (contentType !== undefined) env.CONTENT_TYPE = asEnvironmentText(contentType);
  // Section 4.1.18: each field as HTTP_<NAME>, '-' as '_', repeated fields joined. A name
  // with any other character ('_', '.'...) is dropped, as Apache drops it: `X_Forwarded_For`
  // would otherwise become the same HTTP_X_FORWARDED_FOR as the real `X-Forwarded-For` a
  // proxy adds, and the client could speak for the proxy.
  for (const [name] of facts.fields.list) {
    if (WITHHELD_FIELDS.has(name) || !ENVIRONMENT_NAME.test(name)) continue;
    const variable = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    if (variable in env) continue;
    env[variable] = asEnvironmentText(facts.fields.get(name) ?? '');
  }
  return env;
}

/** The host part of an authority ('example.com:8080' -> 'example.com', '[::1]:80' -> '::1'). */
function hostName(authority: string | undefined): string | undefined {
  if (authority === undefined || authority === '') return undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close > 0 ? authority.slice(1, close) : authority;
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 ? authority.slice(0, colon) : authority;
}

function hostForAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Field values arrive as bytes read as latin1; the environment is handed to the program as
 * UTF-8. Bytes that are UTF-8 (what clients send) reach the program unchanged.
 */
function asEnvironmentText(value: string): string {
  if (!/[^\x00-\x7f]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}
