/**
 * The encoder's second pass: writes a sized message into room taken for
 * it, length prefixes from the sizes the first pass found.
 *
 * @module
 */

import { mapKeyValue, type MessagePlan, present } from "./encode_plan.ts";
import { BIG_BYTES, utf8Length } from "./encode_size.ts";
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
  wireType,
} from "./scalar.ts";

/** Stateless (`encodeInto` keeps nothing between calls): one for all. */
const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * Writes messages into the room it is pointed at with `reset`. Encoding is
 * synchronous and not reentrant: an encoder owns one writer and points it
 * at each message's room in turn (no object per message).
 *
 * @example Write a sized request
 * ```ts
 * import { EncodeWriter } from "./encode_writer.ts";
 * import { planFor } from "./encode_plan.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const writer = new EncodeWriter().reset(new Uint8Array(3));
 * writer.message(planFor(HelloRequestSchema)!, { name: "a" }, []);
 * console.log(writer.buf); // Uint8Array(3) [ 10, 1, 97 ]
 * ```
 */
export class EncodeWriter {
  /** The room being written. */
  buf: Uint8Array = EMPTY;
  /** A view of `buf`'s memory for fixed-width values; kept per buffer. */
  view: DataView = new DataView(EMPTY.buffer);
  /** The memory `view` shows. */
  #memory: ArrayBufferLike = EMPTY.buffer;
  /** `buf.byteOffset`: where `buf` starts in `view`. */
  base = 0;
  /** Write position in `buf`. */
  pos = 0;
  /** Next entry of the sizes the sizing pass pushed. */
  sizeIndex = 0;
  /** With encodeMessageParts: finished pieces; big `bytes` go in by reference. */
  parts: Uint8Array[] | undefined;
  /** Start of the piece being written (pieces end where a big value goes). */
  segmentStart = 0;

  /**
   * Points this writer at new room, from its start.
   *
   * @param buf the room: a slab view or a buffer of its own
   * @returns this writer
   */
  reset(buf: Uint8Array): this {
    this.buf = buf;
    // A slab's views share its memory: one DataView per slab, not per
    // message.
    const memory = buf.buffer;
    if (memory !== this.#memory) {
      this.view = new DataView(memory);
      this.#memory = memory;
    }
    this.base = buf.byteOffset;
    this.pos = 0;
    this.segmentStart = 0;
    this.sizeIndex = 0;
    this.parts = undefined;
    return this;
  }

  /**
   * Writes an unsigned 32-bit varint.
   *
   * @param v 0 to 2^32-1
   */
  varint(v: number): void {
    const buf = this.buf;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = v >>> 7;
    }
    buf[this.pos++] = v;
  }

  /**
   * int32 as protobuf writes it: negative values sign-extended to 64 bits.
   *
   * @param v a 32-bit signed integer
   */
  int32(v: number): void {
    if (v >= 0) return this.varint(v);
    const buf = this.buf;
    for (let i = 0; i < 9; i++) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = v >> 7;
    }
    buf[this.pos++] = 1;
  }

  /**
   * Writes a scalar's value, without tag.
   *
   * @param type its scalar type
   * @param value its value
   */
  scalar(type: number, value: unknown): void {
    switch (type) {
      case DOUBLE:
        this.view.setFloat64(this.base + this.pos, value as number, true);
        this.pos += 8;
        return;
      case FLOAT:
        this.view.setFloat32(this.base + this.pos, value as number, true);
        this.pos += 4;
        return;
      case FIXED32:
        this.view.setUint32(this.base + this.pos, value as number, true);
        this.pos += 4;
        return;
      case SFIXED32:
        this.view.setInt32(this.base + this.pos, value as number, true);
        this.pos += 4;
        return;
      case BOOL:
        this.buf[this.pos++] = value ? 1 : 0;
        return;
      case INT32:
        return this.int32(value as number);
      case UINT32:
        return this.varint((value as number) >>> 0);
      case SINT32: {
        const v = value as number;
        return this.varint(((v << 1) ^ (v >> 31)) >>> 0);
      }
      case STRING: {
        const s = value as string;
        const n = utf8Length(s);
        this.varint(n);
        if (n === s.length) {
          const buf = this.buf;
          for (let i = 0; i < n; i++) buf[this.pos + i] = s.charCodeAt(i);
        } else {
          utf8.encodeInto(s, this.buf.subarray(this.pos, this.pos + n));
        }
        this.pos += n;
        return;
      }
      default: {
        const b = value as Uint8Array;
        this.varint(b.length);
        if (this.parts && b.length >= BIG_BYTES) {
          this.parts.push(this.buf.subarray(this.segmentStart, this.pos), b);
          this.segmentStart = this.pos;
          return;
        }
        this.buf.set(b, this.pos);
        this.pos += b.length;
      }
    }
  }

  /**
   * Writes the fields of a message the sizing pass accepted.
   *
   * @param plan the message's plan
   * @param message a message, or an init object
   * @param sizes the nested sizes the sizing pass pushed
   */
  message(
    plan: MessagePlan,
    message: Record<string, unknown>,
    sizes: number[],
  ): void {
    // Only what the sizer accepted gets here: a message, or an init object.
    const init = message.$typeName === undefined;
    const fields = plan.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const value = present(f, message, init);
      if (value === undefined) continue;
      if (f.kind === "list") {
        const items = value as unknown[];
        if (items.length === 0) continue;
        if (f.listOfMessages) {
          for (const item of items) {
            this.varint(f.tag);
            this.varint(sizes[this.sizeIndex++]);
            this.message(f.child!, item as Record<string, unknown>, sizes);
          }
        } else if (f.packed) {
          this.varint(f.tag);
          this.varint(sizes[this.sizeIndex++]);
          for (const item of items) this.scalar(f.scalar, item);
        } else {
          for (const item of items) {
            this.varint(f.tag);
            this.scalar(f.scalar, item);
          }
        }
      } else if (f.kind === "message") {
        this.varint(f.tag);
        this.varint(sizes[this.sizeIndex++]);
        this.message(f.child!, value as Record<string, unknown>, sizes);
      } else if (f.kind === "map") {
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          this.varint(f.tag);
          this.varint(sizes[this.sizeIndex++]);
          this.varint((1 << 3) | wireType(f.mapKey));
          this.scalar(f.mapKey, mapKeyValue(f.mapKey, key));
          const v = record[key];
          if (f.child) {
            this.varint((2 << 3) | 2);
            this.varint(sizes[this.sizeIndex++]);
            this.message(f.child, v as Record<string, unknown>, sizes);
          } else {
            this.varint((2 << 3) | wireType(f.mapValue));
            this.scalar(f.mapValue, v);
          }
        }
      } else {
        this.varint(f.tag);
        this.scalar(f.scalar, value);
      }
    }
  }
}
