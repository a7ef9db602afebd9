/**
 * The `grpc-timeout` header (PROTOCOL-HTTP2.md): `TimeoutValue TimeoutUnit`,
 * where the value is at most 8 ASCII digits and the unit one of `H` (hours),
 * `M` (minutes), `S` (seconds), `m` (milliseconds), `u` (microseconds) or `n`
 * (nanoseconds). Absent means no deadline.
 *
 * @module
 */

/** The largest TimeoutValue: the spec allows at most 8 digits. */
const MAX_VALUE = 99_999_999;

/** Units from finest to coarsest, with how many units make a millisecond. */
const UNITS: ReadonlyArray<readonly [unit: string, perMs: number]> = [
  ["n", 1e6],
  ["u", 1e3],
  ["m", 1],
  ["S", 1 / 1e3],
  ["M", 1 / 60e3],
  ["H", 1 / 3600e3],
];

/**
 * Tolerance, in units, for binary floating-point noise (`0.7 * 1e6` is
 * `699999.9999999999`) so that flooring does not lose a whole unit.
 */
const EPSILON = 1e-6;

/**
 * Encodes a remaining time as a `grpc-timeout` value.
 *
 * The finest unit whose value fits in 8 digits is used, and the value is
 * rounded *down* to that unit, so the peer is never told it has more time than
 * the caller's own deadline leaves (the error is below one part in 10^7).
 * A time of zero or less encodes as `"0n"`: the deadline has passed, and the
 * peer fails the call at once. `Infinity` or anything above 99,999,999 hours
 * is clamped to `"99999999H"`.
 *
 * @param ms Remaining time in milliseconds, fractions allowed.
 * @returns The header value.
 * @throws {RangeError} When `ms` is `NaN`.
 *
 * @example Encode a few timeouts
 * ```ts
 * import { encodeTimeout } from "./timeout.ts";
 *
 * console.log(encodeTimeout(1)); // "1000000n"
 * console.log(encodeTimeout(250)); // "250000u"
 * console.log(encodeTimeout(30_000)); // "30000000u"
 * console.log(encodeTimeout(3_600_000)); // "3600000m"
 * ```
 */
export function encodeTimeout(ms: number): string {
  if (Number.isNaN(ms)) throw new RangeError("timeout must be a number");
  if (ms <= 0) return "0n";
  for (const [unit, perMs] of UNITS) {
    const value = Math.floor(ms * perMs + EPSILON);
    if (value <= MAX_VALUE) return `${value}${unit}`;
  }
  return `${MAX_VALUE}H`;
}

/** Matches a well-formed value; capture 1 holds the digits, 2 the unit. */
const PATTERN = /^(\d{1,8})([HMSmun])$/;

/**
 * Parses a `grpc-timeout` value into milliseconds.
 *
 * @param value The header value, or `undefined` when absent.
 * @returns The timeout in milliseconds (fractional for `u` and `n`), or
 * `undefined` when absent or malformed: more than 8 digits, an unknown unit,
 * a sign, whitespace or an empty value. A caller treats a malformed value as
 * a protocol error or as no deadline, by its own policy.
 *
 * @example Parse header values
 * ```ts
 * import { parseTimeout } from "./timeout.ts";
 *
 * console.log(parseTimeout("1S")); // 1000
 * console.log(parseTimeout("500u")); // 0.5
 * console.log(parseTimeout("123456789n")); // undefined (9 digits)
 * ```
 */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = PATTERN.exec(value);
  if (match === null) return undefined;
  const n = Number(match[1]);
  switch (match[2]) {
    case "H":
      return n * 3_600_000;
    case "M":
      return n * 60_000;
    case "S":
      return n * 1000;
    case "m":
      return n;
    case "u":
      return n / 1e3;
    default: // "n"
      return n / 1e6;
  }
}
