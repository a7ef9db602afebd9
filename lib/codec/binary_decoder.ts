/**
 * Protobuf binary decoding for the hot path: the same messages as
 * `fromBinary()` of `@bufbuild/protobuf`, for the shapes gRPC services use
 * most.
 *
 * Why: `fromBinary()` is compiled per type, but each call still builds a
 * reader with a `DataView`, a read context (two `Object.assign`s), an array
 * per tag and one for unknown fields: more than decoding a small message
 * costs. Here a call walks the bytes with plain integers.
 *
 * Messages of a shape this decoder does not cover (proto2 and editions
 * files, groups, 64-bit integers, closed enums, well-known types) go to
 * `fromBinary()`; so does any input with a surprise in it (a field number the
 * schema lacks, a wire type other than the field's, a truncated or malformed
 * value): decoding starts over with `fromBinary()`, which keeps the unknown
 * fields or throws its usual error. Results never differ.
 *
 * @module
 */

import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  getTextEncoding,
  type MessageShape,
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

/** Nesting depth at which `fromBinary()` gives up (its default limit). */
const RECURSION_LIMIT = 100;
/** Strings up to this length are tried as ASCII first, as protobuf-es does. */
const ASCII_MAX = 32;

/** Thrown inside to start over with `fromBinary()`. */
const FALL_BACK = Symbol("fall back");

const SINGULAR = 0;
const LIST = 1;
const MESSAGE = 2;
const MAP = 3;

/** How one field is read. */
interface FieldPlan {
  readonly localName: string;
  readonly kind: typeof SINGULAR | typeof LIST | typeof MESSAGE | typeof MAP;
  /** Scalar type (open enums read as INT32); 0 for messages (map values). */
  readonly scalar: number;
  /** Map fields: the key's scalar type, and the value of an absent value. */
  readonly mapKey: number;
  readonly mapZero: unknown;
  /** Map fields: the tags of an entry's key (field 1) and value (field 2). */
  readonly keyTag: number;
  readonly valueTag: number;
  /** Expected wire type (a packed list also takes 2). */
  readonly wire: number;
  readonly packable: boolean;
  readonly oneof: string | undefined;
  readonly utf8: boolean;
  readonly schema: DescMessage | undefined;
  child: MessagePlan | undefined;
}

interface MessagePlan {
  readonly schema: DescMessage;
  /** By field number, for numbers up to 64; the rest in `far`. */
  readonly near: Array<FieldPlan | undefined>;
  readonly far: Map<number, FieldPlan>;
}

const plans = new WeakMap<DescMessage, MessagePlan | null>();

function planFor(schema: DescMessage): MessagePlan | null {
  const known = plans.get(schema);
  if (known !== undefined) return known;
  const plan: MessagePlan = {
    schema,
    near: new Array(65).fill(undefined),
    far: new Map(),
  };
  // Registered first so recursive types resolve to this plan.
  plans.set(schema, plan);
  let ok = schema.file.edition === 999; /* EDITION_PROTO3 */
  for (const field of schema.fields) {
    if (!ok) break;
    const fieldPlan = buildField(field);
    if (fieldPlan === undefined) ok = false;
    else if (field.number <= 64) plan.near[field.number] = fieldPlan;
    else plan.far.set(field.number, fieldPlan);
  }
  if (!ok) plans.set(schema, null);
  return ok ? plan : null;
}

function buildField(field: DescField): FieldPlan | undefined {
  let kind: FieldPlan["kind"];
  let scalar = 0;
  let schema: DescMessage | undefined;
  let mapKey = 0;
  let mapZero: unknown;
  switch (field.fieldKind) {
    case "scalar":
      kind = SINGULAR;
      scalar = field.scalar;
      break;
    case "enum":
      if (!field.enum.open) return undefined;
      kind = SINGULAR;
      scalar = INT32;
      break;
    case "message":
      if (field.delimitedEncoding) return undefined;
      kind = MESSAGE;
      schema = field.message;
      break;
    case "list":
      kind = LIST;
      if (field.listKind === "message") {
        if (field.delimitedEncoding) return undefined;
        schema = field.message;
      } else if (field.listKind === "enum") {
        if (!field.enum.open) return undefined;
        scalar = INT32;
      } else scalar = field.scalar;
      break;
    case "map":
      kind = MAP;
      mapKey = field.mapKey;
      if (!supportedMapKey(mapKey)) return undefined;
      if (field.mapKind === "message") schema = field.message;
      else if (field.mapKind === "enum") {
        if (!field.enum.open) return undefined;
        scalar = INT32;
        mapZero = field.enum.values[0].number;
      } else {
        scalar = field.scalar;
        mapZero = scalar === STRING ? "" : scalar === BOOL ? false : 0;
      }
      break;
  }
  if (schema === undefined && !supportedScalar(scalar)) return undefined;
  // Well-known types have local representations of their own (unwrapped
  // wrappers, Struct as JSON): leave them to fromBinary.
  if (schema && isWellKnown(schema.typeName)) {
    return undefined;
  }
  const plan: FieldPlan = {
    localName: field.localName,
    kind,
    scalar,
    mapKey,
    mapZero,
    keyTag: (1 << 3) | wireType(mapKey),
    valueTag: (2 << 3) | (schema ? 2 : wireType(scalar)),
    wire: schema || kind === MAP ? 2 : wireType(scalar),
    packable: schema === undefined && scalar !== STRING && scalar !== BYTES,
    oneof: field.oneof?.localName,
    utf8: field.utf8Validation,
    schema,
    child: undefined,
  };
  if (schema) {
    const child = planFor(schema);
    if (!child) return undefined;
    plan.child = child;
  }
  return plan;
}

// Reading state of the current decode (decoding is synchronous).
let buf: Uint8Array = new Uint8Array(0);
let pos = 0;

/** Reads a varint's low 32 bits as protobuf-es does (up to 10 bytes). */
function varint32(end: number): number {
  let b = buf[pos++];
  if (b < 0x80) {
    if (pos > end) throw FALL_BACK;
    return b;
  }
  let result = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    b = buf[pos++];
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      if (pos > end) throw FALL_BACK;
      return result;
    }
  }
  b = buf[pos++];
  result |= (b & 0x0f) << 28;
  for (let n = 5; (b & 0x80) !== 0 && n < 10; n++) b = buf[pos++];
  if ((b & 0x80) !== 0 || pos > end) throw FALL_BACK;
  return result >>> 0;
}

/** A varint as a bool: any bit set in all its 64 is true. */
function varintBool(end: number): boolean {
  let any = 0;
  let b: number;
  let n = 0;
  do {
    b = buf[pos++];
    any |= b & 0x7f;
    n++;
  } while ((b & 0x80) !== 0 && n < 10);
  if ((b & 0x80) !== 0 || pos > end) throw FALL_BACK;
  return any !== 0;
}

const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);

/** The next `size` bytes, little-endian, in a scratch view. */
function fixed(size: number, end: number): DataView {
  if (pos + size > end) throw FALL_BACK;
  for (let i = 0; i < size; i++) scratchBytes[i] = buf[pos + i];
  pos += size;
  return scratch;
}

function lengthDelimited(end: number): number {
  const len = varint32(end);
  const stop = pos + len;
  if (stop > end) throw FALL_BACK;
  return stop;
}

function string(end: number, strict: boolean): string {
  const stop = lengthDelimited(end);
  const start = pos;
  pos = stop;
  const len = stop - start;
  if (len <= ASCII_MAX) {
    // Short ASCII: cheaper than a TextDecoder call (an op in Deno).
    const codes: number[] = new Array(len);
    let i = 0;
    while (i < len && buf[start + i] < 0x80) {
      codes[i] = buf[start + i];
      i++;
    }
    if (i === len) return String.fromCharCode.apply(String, codes);
  }
  return getTextEncoding().decodeUtf8(buf.subarray(start, stop), strict);
}

function scalar(type: number, end: number, strict: boolean): unknown {
  switch (type) {
    case INT32:
      return varint32(end) | 0;
    case UINT32:
      return varint32(end);
    case SINT32: {
      const v = varint32(end);
      return (v >>> 1) ^ -(v & 1);
    }
    case BOOL:
      return varintBool(end);
    case STRING:
      return string(end, strict);
    case BYTES: {
      const stop = lengthDelimited(end);
      const value = buf.subarray(pos, stop);
      pos = stop;
      return value;
    }
    case FIXED32:
      return fixed(4, end).getUint32(0, true);
    case SFIXED32:
      return fixed(4, end).getInt32(0, true);
    case FLOAT:
      return fixed(4, end).getFloat32(0, true);
    case DOUBLE:
      return fixed(8, end).getFloat64(0, true);
  }
  throw FALL_BACK;
}

function readMessage(
  plan: MessagePlan,
  message: Record<string, unknown>,
  end: number,
  depth: number,
): void {
  if (depth > RECURSION_LIMIT) throw FALL_BACK;
  while (pos < end) {
    const tag = varint32(end);
    const no = tag >>> 3;
    const wire = tag & 7;
    const field = no <= 64 ? plan.near[no] : plan.far.get(no);
    if (field === undefined) throw FALL_BACK;
    if (field.kind === SINGULAR) {
      if (wire !== field.wire) throw FALL_BACK;
      const value = scalar(field.scalar, end, field.utf8);
      if (field.oneof === undefined) message[field.localName] = value;
      else message[field.oneof] = { case: field.localName, value };
    } else if (field.kind === MESSAGE) {
      if (wire !== 2) throw FALL_BACK;
      const stop = lengthDelimited(end);
      let child: Record<string, unknown> | undefined;
      if (field.oneof === undefined) {
        child = message[field.localName] as typeof child;
      } else {
        const current = message[field.oneof] as {
          case: string | undefined;
          value?: unknown;
        };
        if (current.case === field.localName) {
          child = current.value as typeof child;
        }
      }
      // A repeated occurrence merges into the message read before.
      child ??= create(field.schema!) as unknown as Record<string, unknown>;
      readMessage(field.child!, child, stop, depth + 1);
      if (field.oneof === undefined) message[field.localName] = child;
      else message[field.oneof] = { case: field.localName, value: child };
    } else if (field.kind === MAP) {
      if (wire !== 2) throw FALL_BACK;
      readEntry(field, message[field.localName] as object, end, depth);
    } else {
      const items = message[field.localName] as unknown[];
      if (field.schema !== undefined) {
        if (wire !== 2) throw FALL_BACK;
        const stop = lengthDelimited(end);
        const child = create(field.schema) as unknown as Record<
          string,
          unknown
        >;
        readMessage(field.child!, child, stop, depth + 1);
        items.push(child);
      } else if (wire === 2 && field.packable) {
        const stop = lengthDelimited(end);
        while (pos < stop) items.push(scalar(field.scalar, stop, field.utf8));
      } else {
        if (wire !== field.wire) throw FALL_BACK;
        items.push(scalar(field.scalar, end, field.utf8));
      }
    }
  }
  if (pos !== end) throw FALL_BACK;
}

/** One map entry: key in field 1, value in field 2, either may be absent. */
function readEntry(
  field: FieldPlan,
  record: object,
  end: number,
  depth: number,
): void {
  const stop = lengthDelimited(end);
  let key: unknown;
  let value: unknown;
  while (pos < stop) {
    const tag = varint32(stop);
    if (tag === field.keyTag) {
      key = scalar(field.mapKey, stop, field.utf8);
    } else if (tag === field.valueTag) {
      if (field.schema) {
        const childStop = lengthDelimited(stop);
        // A repeated value within one entry merges, as for message fields.
        const child = (value ?? create(field.schema)) as Record<
          string,
          unknown
        >;
        readMessage(field.child!, child, childStop, depth + 1);
        value = child;
      } else value = scalar(field.scalar, stop, field.utf8);
    } else throw FALL_BACK;
  }
  key ??= field.mapKey === STRING ? "" : field.mapKey === BOOL ? false : 0;
  if (value === undefined) {
    value = field.schema
      ? create(field.schema)
      : field.scalar === BYTES
      ? new Uint8Array(0)
      : field.mapZero;
  }
  const name = String(key);
  if (name === "__proto__") {
    Object.defineProperty(record, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else (record as Record<string, unknown>)[name] = value;
}

/**
 * Decodes `bytes` as a message of `schema`, exactly as `fromBinary()` does
 * (`bytes` fields are views of the input, as there).
 *
 * @example Decode a request
 * ```ts
 * import { decodeMessage } from "./binary_decoder.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const request = decodeMessage(HelloRequestSchema, new Uint8Array([10, 1, 97]));
 * console.log(request.name); // "a"
 * ```
 *
 * @param schema the message descriptor
 * @param bytes the encoded message
 * @returns the message
 * @throws what `fromBinary()` throws for input it rejects
 */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): MessageShape<Desc> {
  const plan = planFor(schema);
  if (plan === null) return fromBinary(schema, bytes);
  const message = create(schema) as unknown as Record<string, unknown>;
  buf = bytes;
  pos = 0;
  try {
    readMessage(plan, message, bytes.length, 1);
  } catch (error) {
    if (error !== FALL_BACK) throw error;
    return fromBinary(schema, bytes);
  } finally {
    buf = EMPTY;
  }
  return message as unknown as MessageShape<Desc>;
}

const EMPTY = new Uint8Array(0);

/**
 * Whether messages of `schema` take the fast path (others use `fromBinary`).
 *
 * @example Check a type
 * ```ts
 * import { decoderCovers } from "./binary_decoder.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * console.log(decoderCovers(HelloRequestSchema)); // true
 * ```
 *
 * @param schema the message descriptor
 * @returns true when the fast path covers it
 */
export function decoderCovers(schema: DescMessage): boolean {
  return planFor(schema) !== null;
}
