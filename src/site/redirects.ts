/**
 * Redirect rules (`--redirects FILE`, docs/serve.md): one rule per line,
 * `301: ^(.*)/old/(.*)$ $1/new/$2`; `#` starts a comment; the first match wins.
 * Patterns are matched against the decoded path; the query is kept when the
 * replacement does not give one of its own.
 */
import { renderStatusPage } from '../http/error-page.js';
import { escapeHtml } from '../http/syntax.js';
import type { HttpResponse } from '../http/response.js';
import { encodePath } from './url-path.js';

export interface RedirectRule {
  readonly status: number;
  readonly pattern: RegExp;
  readonly replacement: string;
  readonly line: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Parses a rules file; throws an Error naming the line for anything malformed. */
export function parseRedirectRules(text: string, source = 'redirects'): RedirectRule[] {
  const rules: RedirectRule[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    const lineNo = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const match = /^(\d{3})\s*:\s*(\S+)\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`${source} line ${lineNo}: expected 'STATUS: REGEX REPLACEMENT', got '${line}'`);
    const status = Number(match[1]);
    if (!REDIRECT_STATUSES.has(status)) throw new Error(`${source} line ${lineNo}: ${status} is not a redirect status (301, 302, 303, 307, 308)`);
    let pattern: RegExp;
    try {
      pattern = new RegExp(match[2] as string);
    } catch (error) {
      throw new Error(`${source} line ${lineNo}: invalid regular expression: ${(error as Error).message}`);
    }
    rules.push({ status, pattern, replacement: match[3] as string, line: lineNo });
  });
  return rules;
}

/** The first rule matching the decoded path, as a Location value; undefined when none does. */
export function applyRedirectRules(rules: readonly RedirectRule[], path: string, query: string | undefined): { status: number; location: string } | undefined {
  for (const rule of rules) {
    const match = rule.pattern.exec(path);
    if (!match) continue;
    const target = rule.replacement.replace(/\$(\d)/g, (_, digit: string) => match[Number(digit)] ?? '');
    const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target);
    // Whatever came from the path is percent-encoded so no byte can break the field.
    let location = absolute ? target.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) : encodePath(target.split('?')[0] as string) + (target.includes('?') ? target.slice(target.indexOf('?')) : '');
    if (!target.includes('?') && query !== undefined) location += `?${query}`;
    return { status: rule.status, location };
  }
  return undefined;
}

/** A redirect with a small HTML page linking to the new place. */
export function redirectResponse(status: number, location: string): HttpResponse {
  const link = `<p><a href="${escapeHtml(location)}">${escapeHtml(location)}</a></p>\n`;
  return {
    status,
    headers: [
      ['Location', location],
      ['Content-Type', 'text/html; charset=utf-8'],
    ],
    body: { kind: 'generated', data: renderStatusPage(status, 'The document has moved here:', link) },
  };
}
