/**
 * gRPC status codes, as listed in grpc's `doc/statuscodes.md`.
 *
 * @module
 */

/**
 * The seventeen canonical gRPC status codes.
 *
 * @example Compare a received code
 * ```ts
 * import { Code } from "./status.ts";
 *
 * const code: Code = Code.NOT_FOUND;
 * console.log(code === 5); // true
 * ```
 */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * One of the numeric values of {@linkcode Code}.
 *
 * @example Type a status
 * ```ts
 * import { Code } from "./status.ts";
 *
 * const status: { code: Code } = { code: Code.OK };
 * ```
 */
export type Code = typeof Code[keyof typeof Code];

const NAMES: readonly string[] = Object.keys(Code);

/**
 * The upper-snake name of a status code, e.g. `"INVALID_ARGUMENT"`.
 *
 * @param code A status code; values outside 0–16 are allowed.
 * @returns The code's name, or `CODE_<n>` for a number outside the table.
 *
 * @example Name a code
 * ```ts
 * import { Code, codeName } from "./status.ts";
 *
 * console.log(codeName(Code.UNAVAILABLE)); // "UNAVAILABLE"
 * console.log(codeName(42)); // "CODE_42"
 * ```
 */
export function codeName(code: number): string {
  return (Number.isInteger(code) && NAMES[code]) || `CODE_${code}`;
}

/**
 * Reads a `grpc-status` header value.
 *
 * Only the canonical decimal forms `"0"` … `"16"` are accepted: no sign, no
 * leading zero, no whitespace. Anything else (absent, empty, `"17"`, `"01"`,
 * `" 1"`) gives `undefined`; the caller then reports `UNKNOWN` as grpc's
 * `statuscodes.md` asks for codes it does not know.
 *
 * @param value The header value, or `undefined` when absent.
 * @returns The code, or `undefined` when the value is not a known code.
 *
 * @example Parse trailers
 * ```ts
 * import { Code, parseCode } from "./status.ts";
 *
 * console.log(parseCode("14") === Code.UNAVAILABLE); // true
 * console.log(parseCode("99")); // undefined
 * ```
 */
export function parseCode(value: string | undefined): Code | undefined {
  if (value === undefined) return undefined;
  const len = value.length;
  if (len === 1) {
    const d = value.charCodeAt(0) - 48;
    return d >= 0 && d <= 9 ? d as Code : undefined;
  }
  if (len === 2 && value.charCodeAt(0) === 49 /* 1 */) {
    const d = value.charCodeAt(1) - 48;
    return d >= 0 && d <= 6 ? 10 + d as Code : undefined;
  }
  return undefined;
}
