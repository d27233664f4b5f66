/**
 * What the HPACK decoder throws. A malformed header block (RFC 7541 section 4.3 / 5 / 6) is an
 * HpackError; RFC 9113 section 4.3 makes that a connection error of type COMPRESSION_ERROR,
 * because the two dynamic tables can no longer be trusted to agree.
 */
export class HpackError extends Error {
  override name = 'HpackError';
}

/**
 * The block was well formed and fully processed (the dynamic table is updated exactly as the
 * peer's encoder expects), but the decoded header list is larger than the limit we advertise
 * (SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113 section 6.5.2). The connection survives: the
 * stream is answered with 431 (RFC 6585 section 5) or reset, the caller's choice.
 */
export class HpackListTooLarge extends HpackError {
  override name = 'HpackListTooLarge';

  constructor(
    /** The RFC 9113 section 6.5.2 size of the whole decoded list (name + value + 32 per field). */
    readonly listSize: number,
    /** The limit it exceeded. */
    readonly limit: number,
  ) {
    super(`header list of ${listSize} bytes exceeds the limit of ${limit}`);
  }
}
