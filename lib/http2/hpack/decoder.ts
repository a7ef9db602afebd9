/**
 * The HPACK decoder (RFC 7541 §3.2, §6).
 *
 * @module
 */

import { DynamicTable, ENTRY_OVERHEAD } from "./dynamic_table.ts";
import { HpackError } from "./errors.ts";
import type { HeaderField } from "./header_field.ts";
import { huffmanDecode } from "./huffman.ts";
import { type Cursor, decodeInteger } from "./integer.ts";
import { latin1Decode } from "./latin1.ts";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static_table.ts";

/**
 * Options of an {@link HpackDecoder}.
 *
 * @example A decoder for a 1 KiB table
 * ```ts
 * import { HpackDecoder, type HpackDecoderOptions } from "./decoder.ts";
 *
 * const options: HpackDecoderOptions = { maxTableSize: 1024, maxHeaderListSize: 16384 };
 * const decoder = new HpackDecoder(options);
 * console.log(decoder.maxHeaderListSize); // 16384
 * ```
 */
export interface HpackDecoderOptions {
  /**
   * The dynamic table limit we advertise as SETTINGS_HEADER_TABLE_SIZE
   * (RFC 9113 §6.5.2); the peer's size updates may not exceed it. Default
   * 4096, the protocol's initial value.
   */
  maxTableSize?: number;
  /**
   * The largest header list we keep, measured as Σ(name + value + 32) octets
   * (RFC 9113 §6.5.2, SETTINGS_MAX_HEADER_LIST_SIZE). Default 65536.
   */
  maxHeaderListSize?: number;
}

/**
 * The result of decoding one header block.
 *
 * @example Checking for an oversize list
 * ```ts
 * import { HpackDecoder, type DecodedHeaders } from "./decoder.ts";
 *
 * const decoded: DecodedHeaders = new HpackDecoder().decode(new Uint8Array([0x82]));
 * console.log(decoded.oversize, decoded.fields); // false [ [ ":method", "GET" ] ]
 * ```
 */
export interface DecodedHeaders {
  /**
   * The header fields in block order. Read-only: a block repeating one
   * decoded before (same bytes, table unchanged) returns the same object.
   */
  readonly fields: HeaderField[];
  /**
   * True when the list exceeded `maxHeaderListSize`: fields past the limit
   * were dropped, but the whole block was still processed so the dynamic
   * table stays in sync with the peer's encoder.
   */
  readonly oversize: boolean;
}

/** Blocks up to this size are remembered, to answer repeats at once. */
const REPEAT_MAX = 64;
/** How many recent blocks are remembered (request, response, trailers...). */
const REPEAT_SLOTS = 4;

/** A remembered block: its bytes live in the decoder's repeat buffer. */
interface Repeat {
  length: number;
  version: number;
  limit: number;
  result: DecodedHeaders;
}

/**
 * Decodes header blocks of one direction of one HTTP/2 connection. The
 * dynamic table is shared by all the connection's blocks, so every block must
 * be decoded in order, including those of reset or refused streams (RFC 9113
 * §4.3); after any {@link HpackError} the decoder is unusable and the
 * connection must end with COMPRESSION_ERROR.
 *
 * @example RFC 7541 C.3.1
 * ```ts
 * import { HpackDecoder } from "./decoder.ts";
 *
 * const decoder = new HpackDecoder();
 * const block = new Uint8Array([
 *   0x82, 0x86, 0x84, 0x41, 0x0f, ...new TextEncoder().encode("www.example.com"),
 * ]);
 * console.log(decoder.decode(block).fields);
 * // [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]]
 * ```
 */
export class HpackDecoder {
  /**
   * The largest header list kept, in octets counted as Σ(name + value + 32);
   * may be changed between blocks. Default 65536.
   */
  maxHeaderListSize: number;
  #table: DynamicTable;
  #maxTableSize: number;
  #updateRequired = false;
  #cursor: Cursor = { pos: 0 };
  // gRPC repeats the same few blocks (all indexed fields) on every call;
  // decoding them again would give the same list, so keep the last results.
  #repeatBytes = new Uint8Array(REPEAT_MAX * REPEAT_SLOTS);
  #repeats: Array<Repeat | undefined> = new Array(REPEAT_SLOTS).fill(
    undefined,
  );
  #nextRepeat = 0;

  /**
   * Creates a decoder with an empty dynamic table.
   *
   * @param options The table limit and header list limit.
   */
  constructor(options: HpackDecoderOptions = {}) {
    this.#maxTableSize = options.maxTableSize ?? 4096;
    this.#table = new DynamicTable({ maxSize: this.#maxTableSize });
    this.maxHeaderListSize = options.maxHeaderListSize ?? 65536;
  }

  /** The current size of the dynamic table in octets (RFC 7541 §4.1). */
  get dynamicTableSize(): number {
    return this.#table.size;
  }

  /** The dynamic table's current maximum, as last set by the peer's encoder. */
  get dynamicTableMaxSize(): number {
    return this.#table.maxSize;
  }

  /** The limit we advertise: size updates may not exceed it. */
  get maxTableSize(): number {
    return this.#maxTableSize;
  }

  /**
   * A copy of the dynamic table, newest entry first.
   *
   * @returns The entries.
   */
  dynamicTableEntries(): HeaderField[] {
    return this.#table.entries();
  }

  /**
   * Our advertised SETTINGS_HEADER_TABLE_SIZE changed (call it once the peer
   * has acknowledged the SETTINGS frame). Later size updates may not exceed
   * it; when it is below the table's current maximum, the next block MUST
   * begin with a dynamic table size update (RFC 7541 §4.2), else decoding
   * fails.
   *
   * @param size The new limit in octets.
   */
  setMaxTableSize(size: number): void {
    if (!(Number.isInteger(size) && size >= 0 && size <= 0xffff_ffff)) {
      throw new RangeError(`invalid HPACK table size: ${size}`);
    }
    if (size < this.#table.maxSize) this.#updateRequired = true;
    this.#maxTableSize = size;
  }

  /**
   * Decodes one complete header block (the HEADERS or PUSH_PROMISE fragment
   * joined with its CONTINUATION fragments).
   *
   * @param block The header block.
   * @returns The fields, and whether the list was cut at `maxHeaderListSize`.
   * @throws {HpackError} On index 0 or past the tables, an integer above
   * 2^32 − 1 or with too many octets, truncated input, a string running past
   * the end, bad Huffman padding or EOS in a string, a size update above our
   * limit or after a field, or a missing size update after a lowered limit.
   */
  decode(block: Uint8Array): DecodedHeaders {
    const table = this.#table;
    const small = block.length <= REPEAT_MAX && block.length > 0 &&
      !this.#updateRequired;
    if (small) {
      const known = this.#repeated(block);
      if (known !== undefined) return known;
    }
    const version = table.version;
    const result = this.#decode(block);
    if (small && table.version === version) this.#remember(block, result);
    return result;
  }

  #repeated(block: Uint8Array): DecodedHeaders | undefined {
    const version = this.#table.version;
    const bytes = this.#repeatBytes;
    for (let slot = 0; slot < REPEAT_SLOTS; slot++) {
      const r = this.#repeats[slot];
      if (
        r === undefined || r.length !== block.length ||
        r.version !== version || r.limit !== this.maxHeaderListSize
      ) continue;
      let i = 0;
      const base = slot * REPEAT_MAX;
      while (i < block.length && bytes[base + i] === block[i]) i++;
      if (i === block.length) return r.result;
    }
    return undefined;
  }

  #remember(block: Uint8Array, result: DecodedHeaders): void {
    const slot = this.#nextRepeat;
    this.#nextRepeat = (slot + 1) % REPEAT_SLOTS;
    this.#repeatBytes.set(block, slot * REPEAT_MAX);
    this.#repeats[slot] = {
      length: block.length,
      version: this.#table.version,
      limit: this.maxHeaderListSize,
      result,
    };
  }

  #decode(block: Uint8Array): DecodedHeaders {
    const fields: HeaderField[] = [];
    const table = this.#table;
    const cursor = this.#cursor;
    const end = block.length;
    const limit = this.maxHeaderListSize;
    let listSize = 0;
    let oversize = false;
    let sawField = false;
    cursor.pos = 0;

    if (this.#updateRequired && (end === 0 || (block[0] & 0xe0) !== 0x20)) {
      // RFC 7541 §4.2: "This dynamic table size update MUST occur at the
      // beginning of the first header block following the change".
      throw new HpackError(
        "header block must begin with a dynamic table size update after SETTINGS_HEADER_TABLE_SIZE was lowered (RFC 7541 §4.2)",
      );
    }

    while (cursor.pos < end) {
      const first = block[cursor.pos];
      let name: string;
      let value: string;
      if (first & 0x80) {
        // §6.1 Indexed Header Field: 1xxxxxxx, 7-bit index.
        const index = decodeInteger(block, cursor, 7);
        if (index <= STATIC_TABLE_LENGTH) {
          if (index === 0) {
            throw new HpackError(
              "indexed header field with index 0 (RFC 7541 §6.1)",
            );
          }
          const entry = STATIC_TABLE[index - 1];
          name = entry[0];
          value = entry[1];
        } else {
          const dynamic = this.#dynamicIndex(index);
          name = table.nameAt(dynamic);
          value = table.valueAt(dynamic);
        }
      } else if (first & 0x40) {
        // §6.2.1 Literal with Incremental Indexing: 01xxxxxx, 6-bit name index.
        const index = decodeInteger(block, cursor, 6);
        name = index === 0 ? this.#string(block) : this.#name(index);
        value = this.#string(block);
        table.add(name, value);
      } else if (first & 0x20) {
        // §6.3 Dynamic Table Size Update: 001xxxxx, 5-bit size.
        if (sawField) {
          // §4.2: the update "MUST occur at the beginning of the first header
          // block following the change"; later in a block it is an error.
          throw new HpackError(
            "dynamic table size update after a header field (RFC 7541 §4.2)",
          );
        }
        const size = decodeInteger(block, cursor, 5);
        if (size > this.#maxTableSize) {
          // §6.3: "The new maximum size MUST be lower than or equal to the
          // limit determined by the protocol using HPACK."
          throw new HpackError(
            `dynamic table size update to ${size} exceeds the limit ${this.#maxTableSize} (RFC 7541 §6.3)`,
          );
        }
        table.setMaxSize(size);
        this.#updateRequired = false;
        continue;
      } else {
        // §6.2.2 without indexing (0000xxxx) and §6.2.3 never indexed
        // (0001xxxx): both a 4-bit name index and no table change.
        const index = decodeInteger(block, cursor, 4);
        name = index === 0 ? this.#string(block) : this.#name(index);
        value = this.#string(block);
      }
      sawField = true;
      // RFC 9113 §6.5.2: the header list size counts 32 octets per field.
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > limit) {
        oversize = true;
      } else {
        fields.push([name, value]);
      }
    }
    return { fields, oversize };
  }

  #dynamicIndex(index: number): number {
    const dynamic = index - STATIC_TABLE_LENGTH;
    if (dynamic > this.#table.length) {
      // §2.3.3: "Indices strictly greater than the sum of the lengths of both
      // tables MUST be treated as a decoding error."
      throw new HpackError(
        `header index ${index} is past the end of the tables (RFC 7541 §2.3.3)`,
      );
    }
    return dynamic;
  }

  #name(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1][0];
    return this.#table.nameAt(this.#dynamicIndex(index));
  }

  // §5.2 String Literal: H bit, 7-bit length, then the octets.
  #string(block: Uint8Array): string {
    const cursor = this.#cursor;
    if (cursor.pos >= block.length) {
      throw new HpackError("header block truncated before a string literal");
    }
    const huffman = (block[cursor.pos] & 0x80) !== 0;
    const length = decodeInteger(block, cursor, 7);
    const start = cursor.pos;
    const stop = start + length;
    if (stop > block.length) {
      throw new HpackError(
        `string literal of ${length} octets runs past the end of the header block`,
      );
    }
    cursor.pos = stop;
    return huffman
      ? huffmanDecode(block, start, stop)
      : latin1Decode(block, start, stop);
  }
}
