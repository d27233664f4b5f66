/**
 * What is sent, apart from where its bytes come from (RFC 9110 section 3.2): a selected
 * representation's metadata (type, language, coding, validators) and the fields every status
 * about it must carry (Vary, Content-Location, TCN for a negotiated one). The bytes come from
 * a ByteSource: a buffer held in memory, or a descriptor opened for this request. Every
 * response about the representation (200, 206, 304, 412, 416) is built from these, so a
 * negotiated variant and a plain file share one path.
 */
import type { HeaderList } from '../http/response.js';
import type { Validators } from './preconditions.js';

export interface Representation {
  /** The Content-Type value (without multipart for ranges). */
  readonly contentType: string;
  readonly validators: Validators;
  /** Content-Type, Content-Language, Content-Encoding as applicable. */
  readonly metadataFields: HeaderList;
  /** Last-Modified and ETag. */
  readonly validatorFields: HeaderList;
  /** Fields that describe the selection itself (Vary, Content-Location, TCN), on every status. */
  readonly selectionFields: HeaderList;
  /**
   * Everything a 200 carries: metadata, validators, Accept-Ranges, selection. One list per
   * representation, handed to the codec as shared fields (it may encode it once).
   */
  readonly fields: HeaderList;
  /** What a 304 carries (RFC 9110 section 15.4.5): validators and selection fields. */
  readonly notModifiedFields: HeaderList;
}

/** Where the bytes of a representation come from. */
export type ByteSource =
  | { readonly kind: 'buffer'; readonly data: Buffer }
  /** A descriptor opened for this request; whoever answers must close it or hand it to the body. */
  | { readonly kind: 'descriptor'; readonly fd: number; readonly size: number };

const ACCEPT_RANGES: readonly [string, string] = ['Accept-Ranges', 'bytes'];

export function buildRepresentation(
  contentType: string,
  validators: Validators,
  metadataFields: HeaderList,
  validatorFields: HeaderList,
  selectionFields: HeaderList,
): Representation {
  const fields: HeaderList = [...metadataFields, ...validatorFields, ACCEPT_RANGES, ...selectionFields];
  return {
    contentType,
    validators,
    metadataFields,
    validatorFields,
    selectionFields,
    fields,
    notModifiedFields: selectionFields.length === 0 ? validatorFields : [...validatorFields, ...selectionFields],
  };
}

/** The size of the bytes a source holds. */
export function sourceSize(source: ByteSource): number {
  return source.kind === 'buffer' ? source.data.length : source.size;
}
