/**
 * The Authorization field (RFC 9110 section 11.6.2 and 11.4): a scheme, then either a
 * token68 (Basic's base64 credentials, RFC 7617) or a comma-separated list of auth-params
 * (Digest's `name=value` pairs, RFC 7616 section 3.4), values being tokens or quoted strings.
 * Parsing never throws: anything malformed comes back as undefined and is answered with a
 * fresh challenge.
 */
import { isOws, isToken, readQuotedString, trimOws } from '../../http/syntax.js';

export interface Credentials {
  /** The scheme, lower-cased ('basic', 'digest'...). */
  readonly scheme: string;
  /** The token68 form (Basic), when that is what followed the scheme. */
  readonly token68: string | undefined;
  /** The auth-params, names lower-cased; empty for the token68 form. */
  readonly params: ReadonlyMap<string, string>;
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map();

/** token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (section 11.2). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

export function parseAuthorization(value: string): Credentials | undefined {
  const text = trimOws(value);
  let end = 0;
  while (end < text.length && !isOws(text.charCodeAt(end))) end++;
  const scheme = text.slice(0, end);
  if (!isToken(scheme)) return undefined;
  const rest = trimOws(text, end);
  if (rest === '') return { scheme: scheme.toLowerCase(), token68: undefined, params: NO_PARAMS };
  if (TOKEN68.test(rest)) return { scheme: scheme.toLowerCase(), token68: rest, params: NO_PARAMS };
  const params = parseAuthParams(rest);
  return params === undefined ? undefined : { scheme: scheme.toLowerCase(), token68: undefined, params };
}

/**
 * `#auth-param` with auth-param = token BWS "=" BWS ( token / quoted-string ). Empty list
 * elements are allowed (section 5.6.1); a repeated name is refused (RFC 7616 section 3.4
 * lists each directive once), as is anything that is not this grammar.
 */
export function parseAuthParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipOws = (): void => {
    while (i < n && isOws(text.charCodeAt(i))) i++;
  };
  while (i < n) {
    skipOws();
    if (i < n && text.charCodeAt(i) === 0x2c /* , */) {
      i++;
      continue;
    }
    if (i >= n) break;
    const nameStart = i;
    while (i < n && text.charCodeAt(i) !== 0x3d /* = */ && text.charCodeAt(i) !== 0x2c && !isOws(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (!isToken(name)) return undefined;
    skipOws();
    if (text.charCodeAt(i) !== 0x3d) return undefined;
    i++;
    skipOws();
    let paramValue: string;
    if (text.charCodeAt(i) === 0x22 /* " */) {
      const quoted = readQuotedString(text, i);
      if (quoted === undefined) return undefined;
      paramValue = quoted.value;
      i = quoted.end;
    } else {
      const valueStart = i;
      while (i < n && text.charCodeAt(i) !== 0x2c && !isOws(text.charCodeAt(i))) i++;
      paramValue = text.slice(valueStart, i);
      if (!isToken(paramValue)) return undefined;
    }
    if (params.has(name)) return undefined;
    params.set(name, paramValue);
    skipOws();
    if (i < n && text.charCodeAt(i) !== 0x2c) return undefined;
  }
  return params;
}

/** A quoted-string for a challenge parameter (section 5.6.4): `"` and `\` escaped. */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
