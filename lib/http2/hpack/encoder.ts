/**
 * The HPACK encoder (RFC 7541 §3.2, §6) and its indexing strategy.
 *
 * @module
 */

import { ByteWriter } from "./byte_writer.ts";
import { Slab } from "../../util/slab.ts";
import { DynamicTable, ENTRY_OVERHEAD } from "./dynamic_table.ts";
import type { HeaderField } from "./header_field.ts";
import { huffmanEncodedLength, huffmanEncodeInto } from "./huffman.ts";
import { encodeInteger } from "./integer.ts";
import { latin1EncodeInto } from "./latin1.ts";
import {
  STATIC_TABLE_LENGTH,
  staticFieldIndex,
  staticNameIndex,
} from "./static_table.ts";

/**
 * Names always sent as literals never indexed (RFC 7541 §6.2.3, §7.1.3): their
 * values are secrets, and indexing them would let an attacker who can inject
 * headers probe the table for them (the CRIME family of attacks).
 *
 * @example Extending the defaults
 * ```ts
 * import { DEFAULT_NEVER_INDEX, HpackEncoder } from "./encoder.ts";
 *
 * const encoder = new HpackEncoder({ neverIndex: [...DEFAULT_NEVER_INDEX, "x-api-key"] });
 * ```
 */
export const DEFAULT_NEVER_INDEX: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
];

/**
 * Names whose values change on nearly every message; indexing them would only
 * churn the table and evict useful entries. They are sent as literals without
 * indexing (RFC 7541 §6.2.2) — except that the first time such a name is not
 * in any table, the field is indexed once so that later literals can refer to
 * the name by index instead of repeating it.
 *
 * @example Keeping a request id out of the table
 * ```ts
 * import { DEFAULT_NO_INDEX, HpackEncoder } from "./encoder.ts";
 *
 * const encoder = new HpackEncoder({ noIndex: [...DEFAULT_NO_INDEX, "x-request-id"] });
 * ```
 */
export const DEFAULT_NO_INDEX: readonly string[] = [
  "grpc-timeout",
  "content-length",
  "date",
  "age",
  "etag",
  "expires",
  "last-modified",
  "if-modified-since",
  "if-none-match",
];

/**
 * Options of an {@link HpackEncoder}.
 *
 * @example Plain literals, for debugging with a packet capture
 * ```ts
 * import { HpackEncoder, type HpackEncoderOptions } from "./encoder.ts";
 *
 * const options: HpackEncoderOptions = { huffman: "never" };
 * const encoder = new HpackEncoder(options);
 * ```
 */
export interface HpackEncoderOptions {
  /**
   * Our cap on the dynamic table, whatever the peer allows: the table uses
   * min(peer's SETTINGS_HEADER_TABLE_SIZE, this). Default 4096.
   */
  maxTableSize?: number;
  /**
   * When to Huffman-code string literals (RFC 7541 §5.2): "auto" when it is
   * strictly shorter, "always", or "never". Default "auto".
   */
  huffman?: "auto" | "always" | "never";
  /**
   * Names always sent as literals never indexed (§6.2.3). Replaces the
   * default, {@link DEFAULT_NEVER_INDEX}.
   */
  neverIndex?: Iterable<string>;
  /**
   * Names sent as literals without indexing (§6.2.2). Replaces the default,
   * {@link DEFAULT_NO_INDEX}.
   */
  noIndex?: Iterable<string>;
  /**
   * "auto" (default) indexes a field unless its name is in `noIndex` or the
   * entry would take more than a quarter of the table; "always" indexes every
   * field not in `neverIndex`, as RFC 7541 Appendix C's encoder does.
   */
  indexing?: "auto" | "always";
  /**
   * The size the peer's decoder table starts with. Default 4096, the initial
   * SETTINGS_HEADER_TABLE_SIZE of HTTP/2 (RFC 9113 §6.5.2); other values
   * suit other framings and tests (RFC 7541 Appendix C.5 starts at 256). If
   * our cap is lower, the first block announces it with a size update.
   */
  peerMaxTableSize?: number;
}

/** How many frozen lists' blocks an encoder remembers. */
const KEPT = 8;
/** Larger blocks are not remembered. */
const KEPT_MAX = 1024;
/** Remembered blocks are copied into slabs of this size. */
const KEEP_SLAB = 4096;
const EMPTY_BLOCK = new Uint8Array(0);

/**
 * Encodes header lists for one direction of one HTTP/2 connection; every
 * block must be sent, in order, on that connection.
 *
 * Strategy: an exact match in the static or dynamic table is sent as an
 * index (§6.1); otherwise a literal, naming the field by index when the name
 * is in a table, and adding it to the dynamic table (§6.2.1) unless the name
 * is never-indexed, unlikely to repeat, or the entry is large.
 *
 * @example A gRPC request
 * ```ts
 * import { HpackEncoder } from "./encoder.ts";
 *
 * const encoder = new HpackEncoder();
 * const block = encoder.encode([
 *   [":method", "POST"],
 *   [":scheme", "http"],
 *   [":path", "/helloworld.Greeter/SayHello"],
 *   ["content-type", "application/grpc"],
 *   ["authorization", "Bearer secret", true],
 * ]);
 * console.log(block.length > 0); // true
 * ```
 */
export class HpackEncoder {
  #cap: number;
  #table: DynamicTable;
  #huffman: "auto" | "always" | "never";
  #indexAll: boolean;
  #neverIndex: Set<string>;
  #noIndex: Set<string>;
  // Size updates owed to the peer at the start of the next block (§4.2):
  // the smallest limit set since the last block, and the final one; -1 = none.
  #pendingMin = -1;
  #pendingFinal = -1;
  #out = new ByteWriter(512);
  // Blocks of the last few frozen header lists, by identity: gRPC sends the
  // same few lists on every call, and once their fields are in the table the
  // bytes repeat for as long as the table does not change.
  #keptLists: Array<object | undefined> = new Array(KEPT).fill(undefined);
  #keptVersions: number[] = new Array(KEPT).fill(-1);
  #keptBlocks: Uint8Array[] = new Array(KEPT).fill(EMPTY_BLOCK);
  #nextKept = 0;
  /** Where remembered blocks are copied (slab views: no allocation each). */
  readonly #keptBytes = new Slab({ firstSize: KEEP_SLAB, size: KEEP_SLAB });

  /**
   * Creates an encoder with an empty dynamic table.
   *
   * @param options Table cap, Huffman and indexing choices.
   */
  constructor(options: HpackEncoderOptions = {}) {
    this.#cap = checkSize(options.maxTableSize ?? 4096);
    this.#huffman = options.huffman ?? "auto";
    this.#indexAll = options.indexing === "always";
    this.#neverIndex = new Set(options.neverIndex ?? DEFAULT_NEVER_INDEX);
    this.#noIndex = new Set(options.noIndex ?? DEFAULT_NO_INDEX);
    // The peer's decoder starts at the protocol default of 4096 (RFC 9113
    // §6.5.2); a smaller cap of ours is announced in the first block.
    const peer = checkSize(options.peerMaxTableSize ?? 4096);
    const initial = Math.min(peer, this.#cap);
    this.#table = new DynamicTable({ maxSize: initial, lookups: true });
    if (initial !== peer) this.#pendingMin = this.#pendingFinal = initial;
  }

  /** The current size of the dynamic table in octets (RFC 7541 §4.1). */
  get dynamicTableSize(): number {
    return this.#table.size;
  }

  /** The dynamic table's current maximum in octets. */
  get dynamicTableMaxSize(): number {
    return this.#table.maxSize;
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
   * The peer's SETTINGS_HEADER_TABLE_SIZE changed. The table will use
   * min(size, our cap); a change is signalled by a dynamic table size update
   * at the start of the next block (RFC 7541 §4.2, §6.3). If the limit
   * changed more than once in between, the smallest value reached is
   * signalled first, then the final one.
   *
   * @param size The peer's new SETTINGS_HEADER_TABLE_SIZE.
   */
  setMaxTableSize(size: number): void {
    const effective = Math.min(checkSize(size), this.#cap);
    if (this.#pendingFinal < 0) {
      if (effective === this.#table.maxSize) return;
      this.#pendingMin = this.#pendingFinal = effective;
    } else {
      this.#pendingMin = Math.min(this.#pendingMin, effective);
      this.#pendingFinal = effective;
    }
  }

  /**
   * Encodes a header list into one header block. Names must already be
   * lowercase (RFC 9113 §8.2.1); names and values are Latin-1 strings.
   * A field whose third element is true is sent never indexed (§6.2.3), as
   * are fields whose name is in `neverIndex`. The block of a frozen list is
   * remembered and sent again as long as the dynamic table is unchanged.
   *
   * @param fields The header list, in order.
   * @param transient When true, the result is a view into the encoder's own
   * buffer, valid only until the next `encode` call: for callers that copy
   * it at once (the frame writer), it saves an allocation per block.
   * @returns The header block, owned by the caller unless `transient`.
   * @throws {RangeError} If a name or value has a code unit above 255.
   */
  encode(
    fields: ReadonlyArray<readonly [string, string, boolean?]>,
    transient = false,
  ): Uint8Array {
    const out = this.#out;
    out.length = 0;
    if (this.#pendingFinal >= 0) {
      if (this.#pendingMin < this.#pendingFinal) {
        encodeInteger(out, this.#pendingMin, 5, 0x20);
        this.#table.setMaxSize(this.#pendingMin);
      }
      encodeInteger(out, this.#pendingFinal, 5, 0x20);
      this.#table.setMaxSize(this.#pendingFinal);
      this.#pendingMin = this.#pendingFinal = -1;
    }
    const table = this.#table;
    const version = table.version;
    let kept = -1;
    for (let i = 0; i < KEPT; i++) {
      if (this.#keptLists[i] === fields) {
        kept = i;
        break;
      }
    }
    if (
      kept >= 0 && this.#keptVersions[kept] === version && out.length === 0
    ) {
      const block = this.#keptBlocks[kept];
      // A transient result is copied by the caller at once: the kept block
      // itself will do.
      if (transient) return block;
      out.reserve(block.length);
      out.bytes.set(block);
      out.length = block.length;
    } else {
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i];
        this.#field(field[0], field[1], field[2] === true);
      }
      // Only a block that left the table as it was can be sent again as is,
      // and only a frozen list is sure to be the same list next time.
      if (
        table.version === version && out.length <= KEPT_MAX &&
        Object.isFrozen(fields)
      ) {
        const slot = kept >= 0 ? kept : this.#nextKept;
        if (kept < 0) this.#nextKept = (slot + 1) % KEPT;
        this.#keptLists[slot] = fields;
        this.#keptVersions[slot] = version;
        const block = this.#keptBytes.take(out.length);
        block.set(out.bytes.subarray(0, out.length));
        this.#keptBlocks[slot] = block;
      }
    }
    if (transient) {
      const view = out.bytes.subarray(0, out.length);
      out.length = 0;
      return view;
    }
    return out.finish();
  }

  #field(name: string, value: string, sensitive: boolean): void {
    const out = this.#out;
    const table = this.#table;
    if (sensitive || this.#neverIndex.has(name)) {
      // §6.2.3 Literal Header Field Never Indexed: 0001xxxx.
      this.#literal(name, value, this.#nameIndex(name), 4, 0x10);
      return;
    }
    const exact = staticFieldIndex(name, value);
    if (exact !== 0) {
      encodeInteger(out, exact, 7, 0x80); // §6.1
      return;
    }
    const dynamic = table.findField(name, value);
    if (dynamic !== 0) {
      encodeInteger(out, STATIC_TABLE_LENGTH + dynamic, 7, 0x80); // §6.1
      return;
    }
    const nameIndex = this.#nameIndex(name);
    let index: boolean;
    if (this.#indexAll) {
      index = true;
    } else if (
      (name.length + value.length + ENTRY_OVERHEAD) * 4 > table.maxSize
    ) {
      // A large entry would evict much of the table for one field.
      index = false;
    } else if (this.#noIndex.has(name)) {
      // Index a churning name once, so later values can refer to it.
      index = nameIndex === 0;
    } else {
      index = true;
    }
    if (index) {
      // §6.2.1 Literal Header Field with Incremental Indexing: 01xxxxxx.
      this.#literal(name, value, nameIndex, 6, 0x40);
      table.add(name, value);
    } else {
      // §6.2.2 Literal Header Field without Indexing: 0000xxxx.
      this.#literal(name, value, nameIndex, 4, 0x00);
    }
  }

  #nameIndex(name: string): number {
    const index = staticNameIndex(name);
    if (index !== 0) return index;
    const dynamic = this.#table.findName(name);
    return dynamic === 0 ? 0 : STATIC_TABLE_LENGTH + dynamic;
  }

  #literal(
    name: string,
    value: string,
    nameIndex: number,
    prefixBits: number,
    flags: number,
  ): void {
    encodeInteger(this.#out, nameIndex, prefixBits, flags);
    if (nameIndex === 0) this.#string(name);
    this.#string(value);
  }

  // §5.2 String Literal: H bit, 7-bit length, octets.
  #string(s: string): void {
    const out = this.#out;
    const length = s.length;
    if (this.#huffman !== "never" && length > 0) {
      const coded = huffmanEncodedLength(s);
      if (this.#huffman === "always" || coded < length) {
        encodeInteger(out, coded, 7, 0x80);
        out.reserve(coded);
        out.length = huffmanEncodeInto(s, out.bytes, out.length);
        return;
      }
    }
    encodeInteger(out, length, 7, 0x00);
    out.reserve(length);
    out.length = latin1EncodeInto(s, out.bytes, out.length);
  }
}

function checkSize(size: number): number {
  if (!(Number.isInteger(size) && size >= 0 && size <= 0xffff_ffff)) {
    throw new RangeError(`invalid HPACK table size: ${size}`);
  }
  return size;
}
