/**
 * gRPC metadata: the application's custom headers and trailers
 * (PROTOCOL-HTTP2.md, "Custom-Metadata").
 *
 * Keys are lowercase `[0-9a-z_.-]+`. A key ending in `-bin` holds bytes,
 * carried on the wire as base64; every other key holds printable ASCII
 * (`%x20-%x7E`). A key may repeat; order is kept.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./base64.ts";

/**
 * A metadata value: text for ordinary keys, bytes for keys ending in `-bin`.
 *
 * @example Values of both kinds
 * ```ts
 * import type { MetadataValue } from "./metadata.ts";
 *
 * const text: MetadataValue = "Bearer abc";
 * const bytes: MetadataValue = new Uint8Array([1, 2, 3]);
 * ```
 */
export type MetadataValue = string | Uint8Array;

/** Record form of metadata accepted by the {@linkcode Metadata} constructor. */
export type MetadataRecord = Record<string, MetadataValue | MetadataValue[]>;

/** Anything the {@linkcode Metadata} constructor takes. */
export type MetadataInit =
  | MetadataRecord
  | Iterable<readonly [string, MetadataValue]>
  | Metadata;

/**
 * Keys the gRPC transport writes or reads itself, plus the HTTP/1
 * connection-specific fields that make an HTTP/2 message malformed
 * (RFC 9113 §8.2.2). Pseudo-headers (`:path`, …) are reserved as well.
 */
const RESERVED: ReadonlySet<string> = new Set([
  "content-type",
  "te",
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "grpc-encoding",
  "grpc-accept-encoding",
  "grpc-timeout",
  "grpc-message-type",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Not reserved, yet not sent from metadata: the transport writes its own
 * `user-agent` (and may prefix the application's value to it, read with
 * `metadata.get("user-agent")`), like grpc-go does.
 */
const USER_AGENT = "user-agent";

/**
 * Whether a header name belongs to the transport and is refused as metadata:
 * pseudo-headers (`:authority`, …), `content-type`, `te`, `grpc-status`,
 * `grpc-message`, `grpc-status-details-bin`, `grpc-encoding`,
 * `grpc-accept-encoding`, `grpc-timeout`, `grpc-message-type`, and the
 * connection-specific `connection`, `keep-alive`, `proxy-connection`,
 * `transfer-encoding` and `upgrade`. Other `grpc-` keys (such as
 * `grpc-retry-pushback-ms`) are allowed, as in grpc-go.
 *
 * @param key A lowercase header name.
 * @returns `true` when the key is reserved.
 *
 * @example Check keys
 * ```ts
 * import { isReservedHeader } from "./metadata.ts";
 *
 * console.log(isReservedHeader("grpc-status")); // true
 * console.log(isReservedHeader(":path")); // true
 * console.log(isReservedHeader("authorization")); // false
 * ```
 */
export function isReservedHeader(key: string): boolean {
  return key.charCodeAt(0) === 0x3a /* : */ || RESERVED.has(key);
}

/**
 * Whether a metadata key holds binary values, i.e. ends in `-bin`.
 *
 * @param key A lowercase metadata key.
 * @returns `true` for a binary key.
 *
 * @example Check keys
 * ```ts
 * import { isBinaryKey } from "./metadata.ts";
 *
 * console.log(isBinaryKey("trace-bin")); // true
 * ```
 */
export function isBinaryKey(key: string): boolean {
  return key.endsWith("-bin");
}

/** Whether `key` is non-empty and made only of `[0-9a-z_.-]`. */
function isValidKey(key: string): boolean {
  const len = key.length;
  if (len === 0) return false;
  for (let i = 0; i < len; i++) {
    const c = key.charCodeAt(i);
    if (
      !((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d ||
        c === 0x5f || c === 0x2e)
    ) return false;
  }
  return true;
}

const encoder = new TextEncoder();

/** Lowercases and validates a key given by the application. */
function normalizeKey(key: string): string {
  const lower = key.toLowerCase();
  if (!isValidKey(lower)) {
    throw new TypeError(
      `invalid metadata key ${JSON.stringify(key)}: use only [0-9a-z_.-]`,
    );
  }
  if (isReservedHeader(lower)) {
    throw new TypeError(`metadata key ${JSON.stringify(key)} is reserved`);
  }
  return lower;
}

/** Checks a value against its (normalized) key's kind. */
function normalizeValue(key: string, value: MetadataValue): MetadataValue {
  if (isBinaryKey(key)) {
    if (typeof value === "string") return encoder.encode(value);
    if (value instanceof Uint8Array) return value;
  } else if (typeof value === "string") {
    // HTTP forbids leading and trailing whitespace in a field value
    // (RFC 9113 §8.2.1); trim spaces as the Fetch Headers class does.
    const text = value.charCodeAt(0) === 0x20 ||
        value.charCodeAt(value.length - 1) === 0x20
      ? value.trim()
      : value;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new TypeError(
          `metadata value for ${
            JSON.stringify(key)
          } has a character outside printable ASCII at index ${i}`,
        );
      }
    }
    return text;
  } else {
    throw new TypeError(
      `metadata key ${
        JSON.stringify(key)
      } takes strings; only keys ending in "-bin" take bytes`,
    );
  }
  throw new TypeError(`invalid metadata value for ${JSON.stringify(key)}`);
}

function isIterable(
  init: MetadataRecord | Iterable<readonly [string, MetadataValue]>,
): init is Iterable<readonly [string, MetadataValue]> {
  return typeof (init as Partial<Iterable<unknown>>)[Symbol.iterator] ===
    "function";
}

/**
 * An ordered multimap of gRPC metadata.
 *
 * Keys are lowercased on the way in. Setting a reserved key
 * ({@linkcode isReservedHeader}), a key outside `[0-9a-z_.-]`, a byte value on
 * a non-`-bin` key, or a text value with characters outside `%x20-%x7E` throws
 * a `TypeError`; leading and trailing spaces of text values are trimmed.
 * A `-bin` key takes bytes or a string (stored UTF-8 encoded), and `get`
 * returns bytes for it. Byte values are stored as given, not copied.
 *
 * @example Build request metadata
 * ```ts
 * import { Metadata } from "./metadata.ts";
 *
 * const md = new Metadata({ authorization: "Bearer abc" });
 * md.append("x-tag", "a").append("x-tag", "b");
 * md.set("trace-bin", new Uint8Array([1, 2]));
 * console.log(md.getAll("x-tag")); // ["a", "b"]
 * console.log(md.toHeaders());
 * // [["authorization", "Bearer abc"], ["x-tag", "a"], ["x-tag", "b"], ["trace-bin", "AQI"]]
 * ```
 */
export class Metadata implements Iterable<[string, MetadataValue]> {
  #map = new Map<string, MetadataValue[]>();
  #size = 0;

  /**
   * Creates metadata, empty or copied from `init`.
   *
   * @param init A record (a value or an array of values per key), an iterable
   * of `[key, value]` pairs, or another `Metadata` (copied without
   * re-validation). Defaults to empty.
   */
  constructor(init?: MetadataInit) {
    if (init === undefined) return;
    if (init instanceof Metadata) {
      for (const [key, values] of init.#map) this.#map.set(key, values.slice());
      this.#size = init.#size;
    } else if (isIterable(init)) {
      for (const [key, value] of init) this.append(key, value);
    } else {
      for (const key of Object.keys(init)) {
        const value = init[key];
        if (Array.isArray(value)) {
          for (const v of value) this.append(key, v);
        } else {
          this.append(key, value);
        }
      }
    }
  }

  /** The number of key–value pairs, i.e. what iteration yields. */
  get size(): number {
    return this.#size;
  }

  /**
   * Replaces every value of `key` with `value`.
   *
   * @param key The key, any case.
   * @param value The value.
   * @returns This metadata, for chaining.
   * @throws {TypeError} On an invalid or reserved key or an invalid value.
   */
  set(key: string, value: MetadataValue): this {
    const k = normalizeKey(key);
    const v = normalizeValue(k, value);
    const old = this.#map.get(k);
    this.#size += 1 - (old?.length ?? 0);
    this.#map.set(k, [v]);
    return this;
  }

  /**
   * Adds a value after the existing values of `key`.
   *
   * @param key The key, any case.
   * @param value The value.
   * @returns This metadata, for chaining.
   * @throws {TypeError} On an invalid or reserved key or an invalid value.
   */
  append(key: string, value: MetadataValue): this {
    const k = normalizeKey(key);
    const v = normalizeValue(k, value);
    const list = this.#map.get(k);
    if (list === undefined) this.#map.set(k, [v]);
    else list.push(v);
    this.#size++;
    return this;
  }

  /**
   * The first value of `key`.
   *
   * @param key The key, any case.
   * @returns The value, or `undefined` when absent.
   */
  get(key: string): MetadataValue | undefined {
    return this.#map.get(key.toLowerCase())?.[0];
  }

  /**
   * Every value of `key`, in order.
   *
   * @param key The key, any case.
   * @returns A new array, empty when absent.
   */
  getAll(key: string): MetadataValue[] {
    return this.#map.get(key.toLowerCase())?.slice() ?? [];
  }

  /**
   * Whether `key` has a value.
   *
   * @param key The key, any case.
   * @returns `true` when present.
   */
  has(key: string): boolean {
    return this.#map.has(key.toLowerCase());
  }

  /**
   * Removes every value of `key`.
   *
   * @param key The key, any case.
   * @returns `true` when something was removed.
   */
  delete(key: string): boolean {
    const k = key.toLowerCase();
    const list = this.#map.get(k);
    if (list === undefined) return false;
    this.#size -= list.length;
    return this.#map.delete(k);
  }

  /**
   * The distinct keys, in first-insertion order.
   *
   * @returns An iterator of keys.
   */
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  /**
   * Every `[key, value]` pair; a repeated key yields one pair per value.
   *
   * @returns An iterator of pairs.
   */
  *[Symbol.iterator](): IterableIterator<[string, MetadataValue]> {
    for (const [key, values] of this.#map) {
      for (const value of values) yield [key, value];
    }
  }

  /**
   * A copy that can change without affecting this one (byte values are
   * shared, not copied).
   *
   * @returns The copy.
   */
  clone(): Metadata {
    return new Metadata(this);
  }

  /**
   * Header fields for the wire, one per value: `-bin` values as unpadded
   * base64, text values as they are. `user-agent` is left out: the transport
   * writes that header itself.
   *
   * @returns `[name, value]` pairs.
   */
  toHeaders(): Array<[string, string]> {
    const fields: Array<[string, string]> = [];
    for (const [key, values] of this.#map) {
      if (key === USER_AGENT) continue;
      if (isBinaryKey(key)) {
        for (const v of values) {
          fields.push([key, encodeBase64(v as Uint8Array)]);
        }
      } else {
        for (const v of values) fields.push([key, v as string]);
      }
    }
    return fields;
  }

  /**
   * Metadata from received header fields. Never throws.
   *
   * Pseudo-headers and reserved keys ({@linkcode isReservedHeader}) are
   * skipped, as are names outside `[0-9a-z_.-]` after lowercasing;
   * `user-agent` is kept, so a server can see it. A `-bin` value is split on
   * `,` and each part decoded as padded or unpadded base64; a part that does
   * not decode is skipped. Other values are kept as received, not split.
   *
   * @param fields Decoded header fields, in wire order.
   * @returns The metadata.
   *
   * @example Read received headers
   * ```ts
   * import { Metadata } from "./metadata.ts";
   *
   * const md = Metadata.fromHeaders([
   *   [":status", "200"],
   *   ["content-type", "application/grpc"],
   *   ["x-id", "7"],
   *   ["trace-bin", "AQI=,Aw"],
   * ]);
   * console.log([...md]); // [["x-id", "7"], ["trace-bin", Uint8Array [1, 2]], ["trace-bin", Uint8Array [3]]]
   * ```
   */
  static fromHeaders(fields: Iterable<readonly [string, string]>): Metadata {
    const md = new Metadata();
    const map = md.#map;
    let size = 0;
    for (const [name, value] of fields) {
      if (name.charCodeAt(0) === 0x3a) continue;
      const key = name.toLowerCase();
      if (RESERVED.has(key) || !isValidKey(key)) continue;
      let list = map.get(key);
      if (list === undefined) {
        list = [];
        map.set(key, list);
      }
      const before = list.length;
      if (isBinaryKey(key)) {
        for (const part of value.split(",")) {
          try {
            list.push(decodeBase64(part));
          } catch {
            // Undecodable: skipped, as the spec asks receivers to be lenient.
          }
        }
      } else {
        list.push(value);
      }
      if (list.length === 0) map.delete(key);
      size += list.length - before;
    }
    md.#size = size;
    return md;
  }
}
