/**
 * The short HTML page every error status with a body carries (docs/protocol.md).
 */
import { SERVER_SOFTWARE } from '../version.js';
import type { HttpError } from './http-error.js';
import type { HeaderList, HttpResponse } from './response.js';
import { reasonPhrase } from './status.js';
import { escapeHtml } from './syntax.js';


/** Pages already rendered, by status and message: error paths repeat the same few. */
const renderedPages = new Map<string, Buffer>();
const MAX_RENDERED_PAGES = 512;

/** A complete HTML document for a status and a sentence saying what went wrong. */
export function renderStatusPage(status: number, message: string, extraHtml = ''): Buffer {
  const key = `${status}\n${message}\n${extraHtml}`;
  let page = renderedPages.get(key);
  if (page === undefined) {
    page = renderPage(status, message, extraHtml);
    if (renderedPages.size >= MAX_RENDERED_PAGES) renderedPages.clear();
    renderedPages.set(key, page);
  }
  return page;
}

/** The same look as the directory listing: readable, and nothing to fetch. */
const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;margin:2em;max-width:42em;line-height:1.4}address{color:#666;font-size:.9em}';

function renderPage(status: number, message: string, extraHtml: string): Buffer {
  const title = `${status} ${reasonPhrase(status)}`;
  return Buffer.from(
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title><style>${PAGE_STYLE}</style></head>\n` +
      `<body>\n<h1>${title}</h1>\n<p>${escapeHtml(message)}</p>\n${extraHtml}<hr>\n<address>${SERVER_SOFTWARE}</address>\n</body>\n</html>\n`,
    'utf8',
  );
}

export const HTML_TYPE = 'text/html; charset=utf-8';
const HTML_TYPE_FIELDS: HeaderList = [['Content-Type', HTML_TYPE]];

/** The response for a status page: generated HTML, so chunked to HTTP/1.1 clients. */
export function statusPageResponse(
  status: number,
  message: string,
  options: { headers?: ReadonlyArray<readonly [string, string]>; close?: boolean; user?: string } = {},
): HttpResponse {
  return {
    status,
    headers: options.headers ?? [],
    sharedFields: HTML_TYPE_FIELDS,
    body: { kind: 'generated', data: renderStatusPage(status, message) },
    close: options.close ?? false,
    ...(options.user !== undefined ? { user: options.user } : {}),
  };
}

export function errorResponse(error: HttpError): HttpResponse {
  return statusPageResponse(error.status, error.message, {
    headers: error.options.headers ?? [],
    close: error.options.close ?? false,
  });
}
