/**
 * The HPACK static table (RFC 7541 §2.3.1, Appendix A) and its lookups.
 *
 * @module
 */

import type { HeaderField } from "./header_field.ts";

/**
 * The 61 entries of RFC 7541 Appendix A; index `i` (1-based, as on the wire)
 * is `STATIC_TABLE[i - 1]`.
 *
 * @example Index 2 is `:method: GET`
 * ```ts
 * import { STATIC_TABLE } from "./static_table.ts";
 *
 * console.log(STATIC_TABLE[2 - 1]); // [ ":method", "GET" ]
 * ```
 */
export const STATIC_TABLE: ReadonlyArray<Readonly<HeaderField>> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/**
 * The number of static entries; dynamic indexes start right after it
 * (RFC 7541 §2.3.3).
 *
 * @example The first dynamic index
 * ```ts
 * import { STATIC_TABLE_LENGTH } from "./static_table.ts";
 *
 * console.log(STATIC_TABLE_LENGTH + 1); // 62
 * ```
 */
export const STATIC_TABLE_LENGTH = 61;

// name → lowest index with that name; name → (value → index). Nested maps
// avoid building a combined string key for every lookup.
const BY_NAME = new Map<string, number>();
const BY_FIELD = new Map<string, Map<string, number>>();
for (let i = STATIC_TABLE_LENGTH; i >= 1; i--) {
  const [name, value] = STATIC_TABLE[i - 1];
  BY_NAME.set(name, i);
  let values = BY_FIELD.get(name);
  if (values === undefined) BY_FIELD.set(name, values = new Map());
  values.set(value, i);
}

/**
 * The static index of the exact field (`name`, `value`), or 0 when absent.
 *
 * @param name The field name.
 * @param value The field value.
 * @returns The index 1..61, or 0.
 *
 * @example `:method: POST`
 * ```ts
 * import { staticFieldIndex } from "./static_table.ts";
 *
 * console.log(staticFieldIndex(":method", "POST")); // 3
 * ```
 */
export function staticFieldIndex(name: string, value: string): number {
  return BY_FIELD.get(name)?.get(value) ?? 0;
}

/**
 * The lowest static index whose name is `name`, or 0 when absent.
 *
 * @param name The field name.
 * @returns The index 1..61, or 0.
 *
 * @example `content-type`
 * ```ts
 * import { staticNameIndex } from "./static_table.ts";
 *
 * console.log(staticNameIndex("content-type")); // 31
 * ```
 */
export function staticNameIndex(name: string): number {
  return BY_NAME.get(name) ?? 0;
}
