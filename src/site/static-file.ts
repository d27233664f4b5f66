/**
 * The content handler for a stored file: representation fields (type, language, charset,
 * encoding, validators), conditional requests, then ranges (RFC 9110 sections 8, 13, 14).
 * Like Go's ServeContent it decides *what* is sent; the http layer decides how it is framed.
 */
import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { statusPageResponse } from '../http/error-page.js';
import { formatHttpDate } from '../http/http-date.js';
import type { HttpRequest } from '../http/request.js';
import type { HeaderList, HttpResponse } from '../http/response.js';
import { fileValidators } from './file-validators.js';
import { describeFileName, type ExtensionMaps } from './media-type.js';
import { planMultipartByteranges } from './multipart-byteranges.js';
import { evaluatePreconditions, ifRangeAllows, type Validators } from './preconditions.js';
import { contentRangeValue, evaluateRange, unsatisfiedRangeValue, type ByteRange } from './range.js';

export interface FileToServe {
  readonly fsPath: string;
  readonly stats: Stats;
}

/** Representation metadata fields for a file name (http.md section 5). */
export function representationFields(name: string, maps: ExtensionMaps): { contentType: string; fields: Array<[string, string]> } {
  const description = describeFileName(name, maps);
  const fields: Array<[string, string]> = [['Content-Type', description.contentType]];
  if (description.language !== undefined) fields.push(['Content-Language', description.language]);
  if (description.encoding !== undefined) fields.push(['Content-Encoding', description.encoding]);
  return { contentType: description.contentType, fields };
}

function validatorFields(validators: Validators): Array<[string, string]> {
  return [
    ['Last-Modified', formatHttpDate(validators.lastModified)],
    ['ETag', validators.etag],
  ];
}

export function serveFile(request: HttpRequest, file: FileToServe, maps: ExtensionMaps, extraFields: HeaderList = []): HttpResponse {
  const { stats, fsPath } = file;
  const validators = fileValidators(stats);
  const { contentType, fields: representation } = representationFields(basename(fsPath), maps);

  // RFC 9110 section 13.2.2: preconditions are evaluated before ranges.
  const outcome = evaluatePreconditions(request.method, request.fields, validators);
  if (outcome === 'not-modified') {
    return { status: 304, headers: [...validatorFields(validators), ...extraFields], body: { kind: 'none' } };
  }
  if (outcome === 'precondition-failed') {
    return statusPageResponse(412, 'A precondition given in the request does not hold for the current file.');
  }

  const size = stats.size;
  const headers: Array<readonly [string, string]> = [...representation, ...validatorFields(validators), ['Accept-Ranges', 'bytes'], ...extraFields];
  const rangeField = request.fields.get('range');
  // Section 14.2: Range is only defined for GET (HEAD answers as GET would).
  if (rangeField !== undefined && (request.method === 'GET' || request.method === 'HEAD') && ifRangeAllows(request.fields, validators)) {
    const range = evaluateRange(rangeField, size);
    if (range.kind === 'unsatisfiable') {
      return statusPageResponse(416, `None of the requested byte ranges lies within the file's ${size} bytes.`, {
        headers: [['Content-Range', unsatisfiedRangeValue(size)], ...validatorFields(validators)],
      });
    }
    if (range.kind === 'partial') {
      return partialResponse(fsPath, size, range.ranges, contentType, headers);
    }
  }
  return {
    status: 200,
    headers,
    body: size === 0 ? { kind: 'none' } : { kind: 'stream', length: size, open: () => createReadStream(fsPath, { start: 0, end: size - 1 }) },
  };
}

/** 206 with one range, or multipart/byteranges for several (RFC 9110 section 14.6). */
function partialResponse(
  fsPath: string,
  size: number,
  ranges: readonly ByteRange[],
  contentType: string,
  headers: ReadonlyArray<readonly [string, string]>,
): HttpResponse {
  if (ranges.length === 1) {
    const range = ranges[0] as ByteRange;
    return {
      status: 206,
      headers: [...headers, ['Content-Range', contentRangeValue(range, size)]],
      body: { kind: 'stream', length: range.end - range.start + 1, open: () => createReadStream(fsPath, { start: range.start, end: range.end }) },
    };
  }
  const plan = planMultipartByteranges(ranges, size, contentType);
  const withoutType = headers.filter(([name]) => name !== 'Content-Type');
  return {
    status: 206,
    headers: [['Content-Type', plan.contentType], ...withoutType],
    body: {
      kind: 'stream',
      length: plan.length,
      open: () =>
        Readable.from(
          (async function* multipartBody() {
            for (const part of plan.parts) {
              yield part.head;
              for await (const chunk of createReadStream(fsPath, { start: part.range.start, end: part.range.end })) yield chunk as Buffer;
            }
            yield plan.tail;
          })(),
        ),
    },
  };
}
