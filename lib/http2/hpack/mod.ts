/**
 * HPACK, header compression for HTTP/2 (RFC 7541): an encoder and a decoder
 * each holding one side's dynamic table, the static table, the Huffman code
 * and prefixed integers.
 *
 * @example A round trip
 * ```ts
 * import { HpackDecoder, HpackEncoder } from "./mod.ts";
 *
 * const encoder = new HpackEncoder();
 * const decoder = new HpackDecoder();
 * const block = encoder.encode([[":status", "200"], ["grpc-status", "0"]]);
 * console.log(decoder.decode(block).fields); // [[":status", "200"], ["grpc-status", "0"]]
 * ```
 *
 * @module
 */

export { HpackError } from "./errors.ts";
export type { HeaderField } from "./header_field.ts";
export {
  type DecodedHeaders,
  HpackDecoder,
  type HpackDecoderOptions,
} from "./decoder.ts";
export {
  DEFAULT_NEVER_INDEX,
  DEFAULT_NO_INDEX,
  HpackEncoder,
  type HpackEncoderOptions,
} from "./encoder.ts";
export {
  DynamicTable,
  type DynamicTableOptions,
  ENTRY_OVERHEAD,
} from "./dynamic_table.ts";
export {
  STATIC_TABLE,
  STATIC_TABLE_LENGTH,
  staticFieldIndex,
  staticNameIndex,
} from "./static_table.ts";
export {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
  huffmanEncodeInto,
} from "./huffman.ts";
export {
  HUFFMAN_CODES,
  HUFFMAN_EOS,
  HUFFMAN_LENGTHS,
} from "./huffman_table.ts";
export {
  type Cursor,
  decodeInteger,
  encodeInteger,
  MAX_INTEGER,
} from "./integer.ts";
export { ByteWriter } from "./byte_writer.ts";
export { latin1Decode, latin1EncodeInto } from "./latin1.ts";
