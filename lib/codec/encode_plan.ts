/**
 * Encoding plans: for each message type the fast encoder covers, its fields
 * in field-number order with what writing them takes (tag, kind, scalar
 * type, presence), built once from the descriptor. Also the field access
 * both encoding passes share (`present`).
 *
 * @module
 */

import type { DescField, DescMessage } from "../protobuf.ts";
import {
  BOOL,
  BYTES,
  DOUBLE,
  FLOAT,
  INT32,
  isWellKnown,
  STRING,
  supportedMapKey,
  supportedScalar,
  wireType,
} from "./scalar.ts";

// FieldPresence in editions features.
const IMPLICIT = 2;
const EXPLICIT = 1;

/**
 * How one field is written.
 *
 * @example Walk a plan's fields
 * ```ts
 * import { type FieldPlan, planFor } from "./encode_plan.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const fields: FieldPlan[] = planFor(HelloRequestSchema)!.fields;
 * console.log(fields[0].localName, fields[0].tag); // name 10
 * ```
 */
export interface FieldPlan {
  /** The field's property name. */
  readonly localName: string;
  /** The varint-encoded tag. */
  readonly tag: number;
  /** Encoded size of the tag. */
  readonly tagSize: number;
  /** "scalar" | "enum" | "message" | "list" | "map". */
  readonly kind: string;
  /** Scalar type (enums are INT32). */
  readonly scalar: number;
  /** The oneof's property name, for oneof members. */
  readonly oneof: string | undefined;
  /** Explicit presence (written when set, even to zero). */
  readonly explicit: boolean;
  /** Enum zero value for implicit presence. */
  readonly enumZero: number;
  /** For lists: packed. */
  readonly packed: boolean;
  /** For lists: whether items are messages. */
  readonly listOfMessages: boolean;
  /** Map fields: key scalar type. */
  readonly mapKey: number;
  /** Map fields: value scalar type (0 for messages). */
  readonly mapValue: number;
  /**
   * The child plan of message fields, message lists and message maps. Set
   * while the plan is built (recursive types link back), never after.
   */
  child: MessagePlan | undefined;
}

/**
 * How one message type is written: its fields by field number.
 *
 * @example Look a plan up
 * ```ts
 * import { type MessagePlan, planFor } from "./encode_plan.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const plan: MessagePlan | null = planFor(HelloRequestSchema);
 * console.log(plan?.typeName); // helloworld.HelloRequest
 * ```
 */
export interface MessagePlan {
  /** The message's full name (a message's `$typeName`). */
  readonly typeName: string;
  /** Fields in field-number order. */
  readonly fields: FieldPlan[];
}

/**
 * Plans by descriptor, null for types the fast path declines. A cache of
 * immutable data (a plan never changes once built, and descriptors are
 * immutable), the only module-level state of the encoder: shared by every
 * encoder instance, and dropped with its descriptor.
 */
const plans = new WeakMap<DescMessage, MessagePlan | null>();

/**
 * The plan of a message type, built on first use; null when the fast path
 * does not cover the type (proto2 and editions files, groups, 64-bit
 * integers, well-known types, and messages holding any of them).
 *
 * @example Covered and declined types
 * ```ts
 * import { planFor } from "./encode_plan.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * import { StatusSchema } from "../../gen/google/rpc/status_pb.ts";
 * console.log(planFor(HelloRequestSchema) !== null, planFor(StatusSchema)); // true null
 * ```
 *
 * @param desc the message descriptor
 * @returns its plan, or null
 */
export function planFor(desc: DescMessage): MessagePlan | null {
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

/**
 * Encoded size of an unsigned 32-bit varint.
 *
 * @example
 * ```ts
 * import { varintSize } from "./encode_plan.ts";
 * console.log(varintSize(127), varintSize(128)); // 1 2
 * ```
 *
 * @param v a value from 0 to 2^32-1
 * @returns 1 to 5
 */
export function varintSize(v: number): number {
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

/**
 * Map keys are object keys (strings) locally; back to their scalar type.
 *
 * @example
 * ```ts
 * import { mapKeyValue } from "./encode_plan.ts";
 * import { BOOL, INT32 } from "./scalar.ts";
 * console.log(mapKeyValue(INT32, "-3"), mapKeyValue(BOOL, "true")); // -3 true
 * ```
 *
 * @param type the key's scalar type
 * @param key the object key
 * @returns the key as its scalar type holds it
 */
export function mapKeyValue(type: number, key: string): unknown {
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
 *
 * @example
 * ```ts
 * import { planFor, present } from "./encode_plan.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const field = planFor(HelloRequestSchema)!.fields[0];
 * console.log(present(field, { name: "" }, true)); // undefined: zero, not written
 * ```
 *
 * @param plan the field
 * @param message a message, or an init object
 * @param init whether `message` is an init object
 * @returns the value, undefined, or null
 */
export function present(
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
