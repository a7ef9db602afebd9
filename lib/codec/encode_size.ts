/**
 * The encoder's first pass: the encoded size of a message, and of every
 * message nested in it, so that the second pass writes each length prefix
 * before its message without moving bytes.
 *
 * @module
 */

import {
  mapKeyValue,
  type MessagePlan,
  present,
  varintSize,
} from "./encode_plan.ts";
import {
  BOOL,
  DOUBLE,
  FIXED32,
  FLOAT,
  INT32,
  SFIXED32,
  SINT32,
  STRING,
  UINT32,
} from "./scalar.ts";

/** `bytes` values this large are referenced, not copied, by encodeMessageParts. */
export const BIG_BYTES = 16 << 10;

/**
 * UTF-8 length as TextEncoder produces it (lone surrogates → U+FFFD).
 *
 * @example
 * ```ts
 * import { utf8Length } from "./encode_size.ts";
 * console.log(utf8Length("aé€😀")); // 10
 * ```
 *
 * @param s a string
 * @returns its length in UTF-8 bytes
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        n += 2; // 2 UTF-16 units → 4 bytes
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * Sizes messages for one encoder. Its fields hold what one sizing pass
 * found besides the size; an encoder owns one sizer (a sizing pass is
 * synchronous and not reentrant).
 *
 * @example Size a request
 * ```ts
 * import { MessageSizer } from "./encode_size.ts";
 * import { planFor } from "./encode_plan.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const sizes: number[] = [];
 * const size = new MessageSizer().measure(
 *   planFor(HelloRequestSchema)!,
 *   { name: "a" },
 *   sizes,
 *   false,
 *   true,
 * );
 * console.log(size); // 3
 * ```
 */
export class MessageSizer {
  /** Total length of the `bytes` values to be referenced, not copied. */
  bigTotal = 0;
  /** Whether to count `bigTotal` (encodeMessageParts). */
  #countBig = false;
  /** Messages may be init objects (encodeInitParts). */
  #initMode = false;
  /** A value was found that only `create()` would accept. */
  #declined = false;

  /**
   * Sizes `message`, pushing the size of every nested message (pre-order)
   * to `sizes` for the write pass.
   *
   * @param plan the message's plan
   * @param message a message, or (with `init`) an init object
   * @param sizes where nested sizes go
   * @param countBig whether to total large `bytes` values in `bigTotal`
   * @param init whether init objects are accepted
   * @returns the size, or -1 for anything the fast path cannot encode
   */
  measure(
    plan: MessagePlan,
    message: Record<string, unknown>,
    sizes: number[],
    countBig: boolean,
    init: boolean,
  ): number {
    // Set anew for every pass: a pass that threw leaves nothing behind.
    this.bigTotal = 0;
    this.#countBig = countBig;
    this.#initMode = init;
    this.#declined = false;
    const size = this.#sizeOf(plan, message, sizes);
    return this.#declined ? -1 : size;
  }

  /** Encoded size of a scalar's value, without tag. */
  #scalarSize(type: number, value: unknown): number {
    switch (type) {
      case DOUBLE:
        return 8;
      case FLOAT:
      case FIXED32:
      case SFIXED32:
        return 4;
      case BOOL:
        return 1;
      case INT32: {
        const v = value as number;
        return v < 0 ? 10 : varintSize(v);
      }
      case UINT32:
        return varintSize((value as number) >>> 0);
      case SINT32: {
        const v = value as number;
        return varintSize(((v << 1) ^ (v >> 31)) >>> 0);
      }
      case STRING: {
        const n = utf8Length(value as string);
        return varintSize(n) + n;
      }
      default: {
        // An init object may give bytes as an array of numbers: create()
        // converts those, so leave them to it.
        if (!(value instanceof Uint8Array)) this.#declined = true;
        const n = (value as Uint8Array).length;
        if (this.#countBig && n >= BIG_BYTES) this.bigTotal += n;
        return varintSize(n) + n;
      }
    }
  }

  #sizeOf(
    plan: MessagePlan,
    message: Record<string, unknown>,
    sizes: number[],
  ): number {
    if (typeof message !== "object" || message === null) return -1;
    const typeName = message.$typeName;
    const init = typeName === undefined && this.#initMode;
    if (typeName !== plan.typeName && !init) return -1;
    const unknown = message.$unknown as unknown[] | undefined;
    if (unknown !== undefined && unknown.length > 0) return -1;
    let size = 0;
    // Indexed loops: below TurboFan (where a short run spends its time) a
    // for-of allocates an iterator and a result per field.
    const fields = plan.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const value = present(f, message, init);
      if (value === undefined) continue;
      if (value === null) return -1;
      if (f.kind === "list") {
        const items = value as unknown[];
        if (items.length === 0) continue;
        if (f.listOfMessages) {
          for (const item of items) {
            const slot = sizes.length;
            sizes.push(0);
            const n = this.#sizeOf(
              f.child!,
              item as Record<string, unknown>,
              sizes,
            );
            if (n < 0) return -1;
            sizes[slot] = n;
            size += f.tagSize + varintSize(n) + n;
          }
        } else if (f.packed) {
          let n = 0;
          for (const item of items) n += this.#scalarSize(f.scalar, item);
          sizes.push(n);
          size += f.tagSize + varintSize(n) + n;
        } else {
          for (const item of items) {
            size += f.tagSize + this.#scalarSize(f.scalar, item);
          }
        }
      } else if (f.kind === "message") {
        const slot = sizes.length;
        sizes.push(0);
        const n = this.#sizeOf(
          f.child!,
          value as Record<string, unknown>,
          sizes,
        );
        if (n < 0) return -1;
        sizes[slot] = n;
        size += f.tagSize + varintSize(n) + n;
      } else if (f.kind === "map") {
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          const slot = sizes.length;
          sizes.push(0);
          // Entry: key is field 1, value field 2, both always written.
          let n = 1 + this.#scalarSize(f.mapKey, mapKeyValue(f.mapKey, key));
          const v = record[key];
          if (f.child) {
            const vslot = sizes.length;
            sizes.push(0);
            const m = this.#sizeOf(
              f.child,
              v as Record<string, unknown>,
              sizes,
            );
            if (m < 0) return -1;
            sizes[vslot] = m;
            n += 1 + varintSize(m) + m;
          } else {
            if (typeof v === "bigint") return -1;
            n += 1 + this.#scalarSize(f.mapValue, v);
          }
          sizes[slot] = n;
          size += f.tagSize + varintSize(n) + n;
        }
      } else {
        if (typeof value === "bigint") return -1;
        size += f.tagSize + this.#scalarSize(f.scalar, value);
      }
    }
    return size;
  }
}
