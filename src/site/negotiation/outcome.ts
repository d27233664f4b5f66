/**
 * What negotiation answers, built once per (variant list, request preferences) and reused:
 * a chosen variant whose representation carries Content-Location, Vary, TCN: choice and a
 * structured ETag (so 304, 412, If-Range and ranges work on it like on any file), or the
 * 300/406 list response: `TCN: list`, `Alternates`, `Vary` and an HTML page with a link to
 * every variant and its quality for this request (generated, so chunked; HEAD has no body).
 */
import { HTML_TYPE, renderStatusPage } from '../../http/error-page.js';
import type { HeaderList, HttpResponse } from '../../http/response.js';
import { escapeHtml } from '../../http/syntax.js';
import type { VariantSelection } from '../context.js';
import type { CachedFile } from '../file-cache.js';
import { buildRepresentation, type Representation } from '../representation.js';
import { formatQuality, type Quality } from './quality.js';
import type { Variant } from './variant.js';
import { structuredEtag, type VariantList } from './variant-list.js';

export type Outcome =
  | { readonly kind: 'choice'; readonly variant: Variant; readonly selection: ChosenVariant }
  | { readonly kind: 'answer'; readonly response: HttpResponse };

/** The representation of a chosen variant, rebuilt only when its file changes. */
export class ChosenVariant implements VariantSelection {
  private file: CachedFile | undefined;
  private representation: Representation | undefined;

  constructor(
    private readonly variant: Variant,
    private readonly list: VariantList,
  ) {}

  represent(file: CachedFile): Representation {
    if (file === this.file && this.representation !== undefined) return this.representation;
    const etag = structuredEtag(file.validators.etag, this.list);
    const lastModified = file.validatorFields.find(([name]) => name === 'Last-Modified') as readonly [string, string];
    const validatorFields: HeaderList = [lastModified, ['ETag', etag]];
    const selectionFields: HeaderList = [
      ['Content-Location', this.variant.uri],
      ['Vary', this.list.vary],
      ['TCN', 'choice'],
    ];
    const representation = buildRepresentation(
      this.variant.declaredContentType ?? file.contentType,
      { etag, lastModified: file.validators.lastModified },
      this.variant.declaredFields ?? file.representation,
      validatorFields,
      selectionFields,
    );
    this.file = file;
    this.representation = representation;
    return representation;
  }
}

const LIST_MESSAGES = {
  300: 'This resource exists in several variants and none is clearly the best for this request. Choose one:',
  406: 'This resource exists in the variants below, but none of them is acceptable to this request (see its Accept, Accept-Language, Accept-Charset and Accept-Encoding fields):',
} as const;

function describeForPeople(variant: Variant): string {
  const facts: string[] = [];
  if (variant.type !== undefined) facts.push(variant.type);
  if (variant.languages.length > 0) facts.push(`language ${variant.languages.join(', ')}`);
  if (variant.charset !== undefined) facts.push(`charset ${variant.charset}`);
  if (variant.encoding !== undefined) facts.push(`${variant.encoding}-compressed`);
  if (variant.size !== undefined) facts.push(`${variant.size} bytes`);
  return facts.join(', ');
}

/** The list of variants as HTML: a link to each, what it is, and its quality for this request. */
function variantListHtml(list: VariantList, qualities: readonly Quality[]): string {
  const items = list.variants.map((variant, i) => {
    const description = variant.description === undefined ? '' : ` &mdash; ${escapeHtml(variant.description)}`;
    const quality = formatQuality(qualities[i] ?? 0);
    return `<li><a href="${escapeHtml(variant.uri)}">${escapeHtml(variant.label)}</a> (${escapeHtml(describeForPeople(variant))}; q=${quality})${description}</li>\n`;
  });
  return `<ul>\n${items.join('')}</ul>\n`;
}

export function listResponse(status: 300 | 406, list: VariantList, qualities: readonly Quality[]): HttpResponse {
  return {
    status,
    headers: [
      ['Content-Type', HTML_TYPE],
      ['TCN', 'list'],
      ['Vary', list.vary],
      ['Alternates', list.alternates],
    ],
    body: { kind: 'generated', data: renderStatusPage(status, LIST_MESSAGES[status], variantListHtml(list, qualities)) },
  };
}
