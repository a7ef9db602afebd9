/**
 * What the fast protobuf encoder and decoder share: scalar type numbers,
 * which of them the fast paths cover, and their wire types.
 *
 * @module
 */

// ScalarType numbers (descriptor.proto FieldDescriptorProto.Type).
/** `double`. */
export const DOUBLE = 1;
/** `float`. */
export const FLOAT = 2;
/** `int32` (open enums are read and written as it). */
export const INT32 = 5;
/** `fixed32`. */
export const FIXED32 = 7;
/** `bool`. */
export const BOOL = 8;
/** `string`. */
export const STRING = 9;
/** `bytes`. */
export const BYTES = 12;
/** `uint32`. */
export const UINT32 = 13;
/** `sfixed32`. */
export const SFIXED32 = 15;
/** `sint32`. */
export const SINT32 = 17;

/**
 * Whether the fast paths handle a scalar type (64-bit integers they leave
 * to `@bufbuild/protobuf`: their local forms are bigint or string).
 *
 * @example
 * ```ts
 * import { STRING, supportedScalar } from "./scalar.ts";
 * console.log(supportedScalar(STRING), supportedScalar(3)); // true false
 * ```
 *
 * @param type a ScalarType number
 * @returns true when covered
 */
export function supportedScalar(type: number): boolean {
  return type === DOUBLE || type === FLOAT || type === INT32 ||
    type === FIXED32 || type === BOOL || type === STRING || type === BYTES ||
    type === UINT32 || type === SFIXED32 || type === SINT32;
}

/**
 * Whether the fast paths handle a map key type (protobuf allows neither
 * floating point nor bytes keys).
 *
 * @example
 * ```ts
 * import { BYTES, supportedMapKey, STRING } from "./scalar.ts";
 * console.log(supportedMapKey(STRING), supportedMapKey(BYTES)); // true false
 * ```
 *
 * @param type a ScalarType number
 * @returns true when covered
 */
export function supportedMapKey(type: number): boolean {
  return supportedScalar(type) && type !== BYTES && type !== DOUBLE &&
    type !== FLOAT;
}

/**
 * The wire type a scalar is written with (unpacked).
 *
 * @example
 * ```ts
 * import { DOUBLE, STRING, wireType } from "./scalar.ts";
 * console.log(wireType(DOUBLE), wireType(STRING)); // 1 2
 * ```
 *
 * @param scalar a ScalarType number
 * @returns 0 varint, 1 64-bit, 2 length-delimited or 5 32-bit
 */
export function wireType(scalar: number): number {
  switch (scalar) {
    case DOUBLE:
      return 1;
    case FLOAT:
    case FIXED32:
    case SFIXED32:
      return 5;
    case STRING:
    case BYTES:
      return 2;
    default:
      return 0;
  }
}

/**
 * Whether a message type is a well-known type, which has a local form of its
 * own (unwrapped wrappers, Struct as JSON): the fast paths leave it alone.
 *
 * @example
 * ```ts
 * import { isWellKnown } from "./scalar.ts";
 * console.log(isWellKnown("google.protobuf.Any"), isWellKnown("a.B")); // true false
 * ```
 *
 * @param typeName a message's full name
 * @returns true for `google.protobuf.*`
 */
export function isWellKnown(typeName: string): boolean {
  return typeName.startsWith("google.protobuf.");
}
