/**
 * Protobuf binary encoding for the hot path: the same bytes as
 * `toBinary()` of `@bufbuild/protobuf`, written in one pass into shared
 * slabs after a sizing pass.
 *
 * Why: `toBinary()` allocates a growing buffer and then a trimmed copy per
 * message, and creating a typed array costs about a microsecond in Deno —
 * more than encoding a small message. Here a message takes a view of a slab
 * (a few nanoseconds) and no copy. Messages of a shape this encoder does not
 * cover (proto2 and editions files, groups, 64-bit integers, well-known
 * types, unknown fields) go to `toBinary()`, so results never differ.
 * `encodeInitParts()` takes what `create()` takes (an init object) and
 * writes the bytes of the message `create()` would make, without making it;
 * `encodeMessageParts()` can leave room for a caller's prefix in front.
 *
 * @module
 */

import {
  create,
  type DescField,
  type DescMessage,
  type Message,
  type MessageInitShape,
  toBinary,
} from "../protobuf.ts";
import {
  BOOL,
  BYTES,
  DOUBLE,
  FIXED32,
  FLOAT,
  INT32,
  isWellKnown,
  SFIXED32,
  SINT32,
  STRING,
  supportedMapKey,
  supportedScalar,
  UINT32,
  wireType,
} from "./scalar.ts";

// FieldPresence in editions features.
const IMPLICIT = 2;
const EXPLICIT = 1;
// Messages above this size get a buffer of their own instead of a slab slice.
const OWN_BUFFER_ABOVE = 32 << 10;
const SLAB_SIZE = 64 << 10;
/** `bytes` values this large are referenced, not copied, by encodeMessageParts. */
const BIG_BYTES = 16 << 10;
/** While sizing for encodeMessageParts: total length of referenced values. */
let bigTotal = 0;
let countBig = false;
/** While sizing for encodeInitParts: messages may be init objects. */
let initMode = false;
/** While sizing: a value was found that only `create()` would accept. */
let declined = false;

/** How one field is written. */
interface FieldPlan {
  readonly localName: string;
  /** The varint-encoded tag. */
  readonly tag: number;
  readonly tagSize: number;
  /** "scalar" | "enum" | "message" | "list" | "map". */
  readonly kind: string;
  /** Scalar type (enums are INT32). */
  readonly scalar: number;
  readonly oneof: string | undefined;
  readonly explicit: boolean;
  /** Enum zero value for implicit presence. */
  readonly enumZero: number;
  /** For lists: packed, and whether items are messages. */
  readonly packed: boolean;
  readonly listOfMessages: boolean;
  /** Map fields: key scalar type, and value scalar type (0 for messages). */
  readonly mapKey: number;
  readonly mapValue: number;
  /** The child plan of message fields, message lists and message maps. */
  child: MessagePlan | undefined;
}

interface MessagePlan {
  readonly typeName: string;
  readonly fields: FieldPlan[];
}

const plans = new WeakMap<DescMessage, MessagePlan | null>();

function planFor(desc: DescMessage): MessagePlan | null {
  const known = plans.get(desc);
  if (known !== undefined) return known;
  const plan: MessagePlan = { typeName: desc.typeName, fields: [] };
  // Registered first so recursive types resolve to this plan.
  plans.set(desc, plan);
  const ok = desc.file.edition === 999 /* EDITION_PROTO3 */ &&
    buildFields(desc, plan);
  if (!ok) plans.set(desc, null);
  return ok ? plan : null;
}

function buildFields(desc: DescMessage, plan: MessagePlan): boolean {
  const sorted = desc.fields.concat().sort((a, b) => a.number - b.number);
  for (const field of sorted) {
    const fieldPlan = buildField(field);
    if (!fieldPlan) return false;
    plan.fields.push(fieldPlan);
  }
  return true;
}

function scalarOf(field: DescField): number | undefined {
  if (field.fieldKind === "enum") return INT32;
  if (field.fieldKind === "scalar") return field.scalar;
  if (field.fieldKind === "list") {
    if (field.listKind === "enum") return INT32;
    if (field.listKind === "scalar") return field.scalar;
  }
  return undefined;
}

function buildField(field: DescField): FieldPlan | undefined {
  let mapKey = 0;
  let mapValue = 0;
  const presence = field.presence as number;
  if (presence !== IMPLICIT && presence !== EXPLICIT) return undefined;
  let kind: string = field.fieldKind;
  let scalar = 0;
  let child: DescMessage | undefined;
  let listOfMessages = false;
  let packed = false;
  let enumZero = 0;
  let wire = 2;
  if (field.fieldKind === "map") {
    mapKey = field.mapKey;
    if (!supportedMapKey(mapKey)) return undefined;
    if (field.mapKind === "message") child = field.message;
    else {
      mapValue = field.mapKind === "enum" ? INT32 : field.scalar;
      if (!supportedScalar(mapValue)) return undefined;
    }
  } else if (field.fieldKind === "message") {
    if (field.delimitedEncoding) return undefined;
    child = field.message;
  } else if (field.fieldKind === "list") {
    if (field.listKind === "message") {
      if (field.delimitedEncoding) return undefined;
      child = field.message;
      listOfMessages = true;
    } else {
      scalar = scalarOf(field)!;
      if (!supportedScalar(scalar)) return undefined;
      packed = field.packed;
      if (!packed) wire = wireType(scalar);
    }
  } else {
    scalar = scalarOf(field)!;
    if (!supportedScalar(scalar)) return undefined;
    wire = wireType(scalar);
    if (field.fieldKind === "enum") {
      kind = "enum";
      enumZero = field.enum.values[0].number;
    }
  }
  // Well-known types have local representations of their own (unwrapped
  // wrappers, Struct as JSON): leave them to toBinary.
  if (child && isWellKnown(child.typeName)) return undefined;
  const tagValue = ((field.number << 3) | wire) >>> 0;
  const plan: FieldPlan = {
    localName: field.localName,
    tag: tagValue,
    tagSize: varintSize(tagValue),
    kind,
    scalar,
    oneof: field.oneof?.localName,
    explicit: presence === EXPLICIT,
    enumZero,
    packed,
    listOfMessages,
    mapKey,
    mapValue,
    child: undefined,
  };
  if (child) {
    const childPlan = planFor(child);
    if (!childPlan) return undefined;
    plan.child = childPlan;
  }
  return plan;
}

function varintSize(v: number): number {
  return v < 0x80
    ? 1
    : v < 0x4000
    ? 2
    : v < 0x200000
    ? 3
    : v < 0x10000000
    ? 4
    : 5;
}

/** Encoded size of a scalar's value, without tag. */
function scalarSize(type: number, value: unknown): number {
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
      if (!(value instanceof Uint8Array)) declined = true;
      const n = (value as Uint8Array).length;
      if (countBig && n >= BIG_BYTES) bigTotal += n;
      return varintSize(n) + n;
    }
  }
}

/** UTF-8 length as TextEncoder produces it (lone surrogates → U+FFFD). */
function utf8Length(s: string): number {
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

/** Map keys are object keys (strings) locally; back to their scalar type. */
function mapKeyValue(type: number, key: string): unknown {
  if (type === STRING) return key;
  if (type === BOOL) return key === "true";
  return Number.parseInt(key, 10);
}

function isZero(plan: FieldPlan, value: unknown): boolean {
  if (plan.kind === "enum") return value === plan.enumZero;
  switch (plan.scalar) {
    case BOOL:
      return value === false;
    case STRING:
      return value === "";
    case BYTES:
      return (value as Uint8Array).length === 0;
    case DOUBLE:
    case FLOAT:
      return Object.is(value, 0);
    default:
      return value === 0;
  }
}

/**
 * The value of a field to write, undefined when it is not written, or null
 * when only `toBinary()` knows what to do. A message has every field but
 * unset optional ones; an init object (`init`: what `create()` takes,
 * without `$typeName`) may lack any or hold null, both meaning "unset".
 * Nulls in a message, or as a oneof case's value, are declined.
 */
function present(
  plan: FieldPlan,
  message: Record<string, unknown>,
  init: boolean,
): unknown {
  if (plan.oneof !== undefined) {
    const oneof = message[plan.oneof] as
      | { case?: string; value?: unknown }
      | null
      | undefined;
    if (oneof == null) return init ? undefined : null;
    return oneof.case === plan.localName ? oneof.value : undefined;
  }
  const value = message[plan.localName];
  if (value == null) {
    if (init) return undefined;
    // A message holds undefined only in unset message or optional fields.
    return value === undefined && (plan.kind === "message" || plan.explicit)
      ? undefined
      : null;
  }
  if (plan.kind === "message") return value;
  if (plan.explicit) return value;
  if (plan.kind === "list" || plan.kind === "map") return value;
  return isZero(plan, value) ? undefined : value;
}

/**
 * Sizes `message`, pushing the size of every nested message (pre-order) to
 * `sizes` for the write pass. Returns -1 for anything it cannot encode.
 */
function sizeOf(
  plan: MessagePlan,
  message: Record<string, unknown>,
  sizes: number[],
): number {
  if (typeof message !== "object" || message === null) return -1;
  const typeName = message.$typeName;
  const init = typeName === undefined && initMode;
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
          const n = sizeOf(f.child!, item as Record<string, unknown>, sizes);
          if (n < 0) return -1;
          sizes[slot] = n;
          size += f.tagSize + varintSize(n) + n;
        }
      } else if (f.packed) {
        let n = 0;
        for (const item of items) n += scalarSize(f.scalar, item);
        sizes.push(n);
        size += f.tagSize + varintSize(n) + n;
      } else {
        for (const item of items) {
          size += f.tagSize + scalarSize(f.scalar, item);
        }
      }
    } else if (f.kind === "message") {
      const slot = sizes.length;
      sizes.push(0);
      const n = sizeOf(f.child!, value as Record<string, unknown>, sizes);
      if (n < 0) return -1;
      sizes[slot] = n;
      size += f.tagSize + varintSize(n) + n;
    } else if (f.kind === "map") {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const slot = sizes.length;
        sizes.push(0);
        // Entry: key is field 1, value field 2, both always written.
        let n = 1 + scalarSize(f.mapKey, mapKeyValue(f.mapKey, key));
        const v = record[key];
        if (f.child) {
          const vslot = sizes.length;
          sizes.push(0);
          const m = sizeOf(f.child, v as Record<string, unknown>, sizes);
          if (m < 0) return -1;
          sizes[vslot] = m;
          n += 1 + varintSize(m) + m;
        } else {
          if (typeof v === "bigint") return -1;
          n += 1 + scalarSize(f.mapValue, v);
        }
        sizes[slot] = n;
        size += f.tagSize + varintSize(n) + n;
      }
    } else {
      if (typeof value === "bigint") return -1;
      size += f.tagSize + scalarSize(f.scalar, value);
    }
  }
  return size;
}

// The first slab is small so that the code taking a new slab runs within a
// process's first few hundred messages, while V8 still collects type
// feedback: compiled without it, the function would be deoptimized at the
// first new slab, thousands of messages into a run, and run slower until
// V8 optimizes it again.
const FIRST_SLAB_SIZE = 2 << 10;
let slab = new Uint8Array(FIRST_SLAB_SIZE);
let view = new DataView(slab.buffer);
let slabUsed = 0;
const encoder = new TextEncoder();

class Out {
  buf: Uint8Array;
  view: DataView;
  pos: number;
  sizeIndex = 0;
  /** With encodeMessageParts: finished pieces; big `bytes` go in by reference. */
  parts: Uint8Array[] | undefined;
  segmentStart: number;
  constructor(buf: Uint8Array, view: DataView, pos: number) {
    this.buf = buf;
    this.view = view;
    this.pos = pos;
    this.segmentStart = pos;
  }

  /** Points this writer at new room (one writer serves every encode). */
  reset(buf: Uint8Array, view: DataView, pos: number): this {
    this.buf = buf;
    this.view = view;
    this.pos = pos;
    this.segmentStart = pos;
    this.sizeIndex = 0;
    this.parts = undefined;
    return this;
  }

  varint(v: number): void {
    const buf = this.buf;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = v >>> 7;
    }
    buf[this.pos++] = v;
  }

  /** int32 as protobuf writes it: negative values sign-extended to 64 bits. */
  int32(v: number): void {
    if (v >= 0) return this.varint(v);
    const buf = this.buf;
    for (let i = 0; i < 9; i++) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = v >> 7;
    }
    buf[this.pos++] = 1;
  }

  scalar(type: number, value: unknown): void {
    switch (type) {
      case DOUBLE:
        this.view.setFloat64(this.pos, value as number, true);
        this.pos += 8;
        return;
      case FLOAT:
        this.view.setFloat32(this.pos, value as number, true);
        this.pos += 4;
        return;
      case FIXED32:
        this.view.setUint32(this.pos, value as number, true);
        this.pos += 4;
        return;
      case SFIXED32:
        this.view.setInt32(this.pos, value as number, true);
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
          encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + n));
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

  message(
    plan: MessagePlan,
    message: Record<string, unknown>,
    sizes: number[],
  ): void {
    // Only what sizeOf accepted gets here: a message, or an init object.
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

// Encoding is synchronous and not reentrant: one writer object will do.
const OUT = new Out(slab, view, 0);

/** Room for `size` bytes: a slab slice, or a buffer of its own if large. */
function outFor(size: number): Out {
  if (size > OWN_BUFFER_ABOVE) {
    const buf = new Uint8Array(size);
    return OUT.reset(buf, new DataView(buf.buffer), 0);
  }
  if (slabUsed + size > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    view = new DataView(slab.buffer);
    slabUsed = 0;
  }
  const out = OUT.reset(slab, view, slabUsed);
  slabUsed += size;
  return out;
}

/**
 * Encodes `message` to protobuf binary, exactly as `toBinary()` does. The
 * result may be a view into a shared slab: it is never written again, but
 * it keeps the slab alive while referenced.
 *
 * @example Encode a request
 * ```ts
 * import { create } from "npm:@bufbuild/protobuf@2.17.0";
 * import { encodeMessage } from "./binary_encoder.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const bytes = encodeMessage(HelloRequestSchema, create(HelloRequestSchema, { name: "a" }));
 * console.log(bytes); // Uint8Array(3) [ 10, 1, 97 ]
 * ```
 *
 * @param schema the message descriptor
 * @param message a message of that type
 * @returns the encoded bytes
 */
export function encodeMessage(
  schema: DescMessage,
  message: Message,
): Uint8Array {
  return encode(schema, message, false, 0)?.parts[0] ??
    toBinary(schema, message);
}

/**
 * The fast path: sizes then writes `message`; with `byReference`, large
 * `bytes` values become pieces of their own instead of being copied.
 * Returns undefined when the message has a shape the fast path declines.
 */
function encode(
  schema: DescMessage,
  message: Message | MessageInitShape<DescMessage>,
  byReference: boolean,
  head: number,
  init = false,
): EncodedMessage | undefined {
  const plan = planFor(schema);
  if (!plan) return undefined;
  const record = message as unknown as Record<string, unknown>;
  const sizes: number[] = [];
  bigTotal = 0;
  countBig = byReference;
  initMode = init;
  declined = false;
  let size: number;
  try {
    size = sizeOf(plan, record, sizes);
  } finally {
    countBig = false;
    initMode = false;
  }
  if (size < 0 || declined) return undefined;
  const out = outFor(size - bigTotal + head);
  const start = out.pos;
  out.pos += head;
  if (!byReference || bigTotal === 0) {
    // One piece: a literal array, not one grown by push (a backing store
    // of 17 slots).
    out.message(plan, record, sizes);
    return {
      parts: [out.buf.subarray(start, start + head + size)],
      length: size,
      head,
    };
  }
  out.parts = [];
  out.message(plan, record, sizes);
  const parts = out.parts;
  out.parts = undefined;
  const tail = out.buf.subarray(out.segmentStart, out.pos);
  if (tail.length > 0 || parts.length === 0) parts.push(tail);
  return { parts, length: size, head };
}

/** An encoded message in pieces, to be sent back to back. */
export interface EncodedMessage {
  /** The pieces; the first starts with `head` bytes that are not the message. */
  parts: Uint8Array[];
  /** Length of the message (without `head`). */
  length: number;
  /**
   * Spare bytes in front of the message in `parts[0]`, reserved by
   * {@linkcode encodeMessageParts} for a caller's prefix (0 when none).
   */
  head?: number;
}

/**
 * Joins the pieces of an encoded message (for compression, which needs one
 * buffer).
 *
 * @example Join
 * ```ts
 * import { joinParts } from "./binary_encoder.ts";
 * joinParts({ parts: [new Uint8Array([1]), new Uint8Array([2])], length: 2 }); // [1, 2]
 * ```
 *
 * @param encoded the pieces
 * @returns one buffer
 */
export function joinParts(encoded: EncodedMessage): Uint8Array {
  const head = encoded.head ?? 0;
  const parts = encoded.parts;
  if (parts.length === 1) {
    return head === 0 ? parts[0] : parts[0].subarray(head);
  }
  const out = new Uint8Array(encoded.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = i === 0 && head > 0 ? parts[0].subarray(head) : parts[i];
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Like {@linkcode encodeMessage}, as pieces to send back to back: large
 * `bytes` values (16 KiB and up) are referenced, not copied, so a 1 MiB
 * payload costs no extra allocation or copy on its way to the socket.
 *
 * @example Encode a large payload
 * ```ts
 * import { create } from "npm:@bufbuild/protobuf@2.17.0";
 * import { encodeMessageParts } from "./binary_encoder.ts";
 * import { PayloadSchema } from "../../gen/bench/bench_pb.ts";
 * const data = new Uint8Array(1 << 20);
 * const { parts, length } = encodeMessageParts(PayloadSchema, create(PayloadSchema, { data }));
 * console.log(parts[1] === data, length); // true 1048580
 * ```
 *
 * @param schema the message descriptor
 * @param message a message of that type
 * @param head spare bytes to reserve in front of the message (a caller's
 * prefix goes there: one piece less to send); the fallback path reserves none
 * @returns the pieces and their total length
 */
export function encodeMessageParts(
  schema: DescMessage,
  message: Message,
  head = 0,
): EncodedMessage {
  const encoded = encode(schema, message, true, head);
  if (encoded) return encoded;
  const bytes = toBinary(schema, message);
  return { parts: [bytes], length: bytes.length, head: 0 };
}

/**
 * Like {@linkcode encodeMessageParts} for what `create()` takes (an init
 * object, or a message): the bytes of `toBinary(schema, create(schema,
 * init))` without creating the message when the fast path covers it. Absent
 * and null fields are unset; anything `create()` would convert (bytes given
 * as number arrays, a nested message of another type) takes the slow path.
 *
 * @example A server's response
 * ```ts
 * import { encodeInitParts, joinParts } from "./binary_encoder.ts";
 * import { HelloReplySchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const encoded = encodeInitParts(HelloReplySchema, { message: "hi" });
 * console.log(joinParts(encoded)); // Uint8Array(4) [ 10, 2, 104, 105 ]
 * ```
 *
 * @param schema the message descriptor
 * @param init an init object or a message of that type
 * @param head spare bytes to reserve in front of the message, as for
 * {@linkcode encodeMessageParts}
 * @returns the pieces and the message length
 */
export function encodeInitParts(
  schema: DescMessage,
  init: MessageInitShape<DescMessage>,
  head = 0,
): EncodedMessage {
  const encoded = encode(schema, init, true, head, true);
  if (encoded) return encoded;
  const bytes = toBinary(schema, create(schema, init));
  return { parts: [bytes], length: bytes.length, head: 0 };
}

/**
 * Whether messages of `schema` take the fast path (others use `toBinary`).
 *
 * @example Check a type
 * ```ts
 * import { fastPathCovers } from "./binary_encoder.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * console.log(fastPathCovers(HelloRequestSchema)); // true
 * ```
 *
 * @param schema the message descriptor
 * @returns true when the fast path covers it
 */
export function fastPathCovers(schema: DescMessage): boolean {
  return planFor(schema) !== null;
}
