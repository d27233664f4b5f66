/**
 * The small pieces of HTTP syntax every layer needs (RFC 9110 section 5.6): whitespace,
 * tokens, quoted strings, weighted lists, and HTML escaping for the pages porta writes.
 * One home for them, so the parser, the site and the negotiation code agree.
 */

/** OWS = *( SP / HTAB ) (RFC 9110 section 5.6.3). */
export function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Strips OWS from both ends of `text[from..]`. */
export function trimOws(text: string, from = 0): string {
  let start = from;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function byteTable(test: (code: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = test(c) ? 1 : 0;
  return table;
}

/** tchar (RFC 9110 section 5.6.2), indexed by byte. */
export const TCHAR = byteTable((c) => /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(String.fromCharCode(c)));

/** token = 1*tchar (RFC 9110 section 5.6.2). */
export function isToken(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

/**
 * Reads a quoted-string starting at `text[from]` (the opening DQUOTE), RFC 9110 section
 * 5.6.4: returns its unescaped content and the index after the closing quote, or undefined
 * when it is not terminated.
 */
export function readQuotedString(text: string, from: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      i++;
      if (i >= text.length) return undefined;
      value += text[i];
    } else {
      value += c;
    }
  }
  return undefined;
}

/** Splits a list field value at commas that are not inside quoted strings (section 5.6.1). */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) {
      quoted = true;
    } else if (c === 0x2c /* , */) {
      items.push(value.slice(start, i));
      start = i + 1;
    }
  }
  items.push(value.slice(start));
  return items;
}

/** One element of a weighted list such as Accept: `text/html;level=1;q=0.5`. */
export interface WeightedItem {
  /** The value before any parameter, lower-cased (`text/html`, `en-us`, `gzip`). */
  readonly value: string;
  /** Parameters other than q, names lower-cased, values unquoted. */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** The weight, 0..1 (1 when absent or malformed). */
  readonly q: number;
}

/**
 * qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 9110 section 12.4.2).
 * Undefined when malformed.
 */
export function parseQValue(text: string): number | undefined {
  if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Parses a weighted list (Accept, Accept-Language, Accept-Charset, Accept-Encoding, TE).
 * Lenient by design, as negotiation must never fail a request: empty elements are skipped,
 * a malformed parameter is ignored, a malformed q-value counts as 1. Never throws.
 */
export function parseWeightedList(value: string | undefined): WeightedItem[] {
  if (value === undefined) return [];
  const items: WeightedItem[] = [];
  for (const element of splitList(value)) {
    const parts = splitParams(element);
    const head = trimOws(parts[0] ?? '').toLowerCase();
    if (head === '') continue;
    let q = 1;
    const params: Array<readonly [string, string]> = [];
    for (let i = 1; i < parts.length; i++) {
      const param = trimOws(parts[i] as string);
      const eq = param.indexOf('=');
      if (eq <= 0) continue;
      const name = trimOws(param.slice(0, eq)).toLowerCase();
      let raw = trimOws(param.slice(eq + 1));
      if (raw.startsWith('"')) raw = readQuotedString(raw, 0)?.value ?? raw.slice(1);
      if (name === 'q') {
        q = parseQValue(raw) ?? 1;
        continue;
      }
      if (isToken(name)) params.push([name, raw]);
    }
    items.push({ value: head, params, q });
  }
  return items;
}

/** Splits one list element at semicolons outside quoted strings. */
function splitParams(element: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < element.length; i++) {
    const c = element.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) {
      quoted = true;
    } else if (c === 0x3b /* ; */) {
      parts.push(element.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(element.slice(start));
  return parts;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
