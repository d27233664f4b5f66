/**
 * HPACK, header compression for HTTP/2 (RFC 7541). The connection layer owns one decoder (for
 * the peer's blocks) and one encoder (for ours) per connection.
 */
export { HpackDecoder, type HpackDecoderOptions, type HeaderField } from './decoder.js';
export { HpackEncoder, type HpackEncoderOptions } from './encoder.js';
export { HpackError, HpackListTooLarge } from './errors.js';
