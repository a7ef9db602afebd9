/**
 * Message compression (grpc's `compression.md`): the `grpc-encoding` of a
 * stream names the algorithm of every message whose Compressed-Flag is set;
 * `grpc-accept-encoding` lists what a side can decompress.
 *
 * gzip and deflate run on the Web `CompressionStream` and
 * `DecompressionStream`. Decompression stops at the receive limit in
 * bounded memory: a "zip bomb" (1 MiB that inflates to 1 GiB) is fed to the
 * inflater in slices, read between them, and cancelled as soon as the
 * output passes the limit, holding at most the limit plus a quarter while
 * it inflates.
 *
 * @module
 */

import { GrpcError } from "./grpc_error.ts";
import { Code } from "./status.ts";
import { runTransform } from "./compression_stream.ts";

/**
 * A compression algorithm.
 *
 * @example A custom algorithm
 * ```ts
 * import type { Compression } from "./compression.ts";
 *
 * const noop: Compression = {
 *   name: "noop",
 *   compress: (data) => Promise.resolve(data),
 *   decompress: (data) => Promise.resolve(data),
 * };
 * ```
 */
export interface Compression {
  /** The `grpc-encoding` token, lowercase. */
  readonly name: string;
  /**
   * Compresses one message.
   *
   * @param data The serialized message.
   * @returns The compressed bytes.
   */
  compress(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Decompresses one message, stopping as soon as its output passes
   * `maxSize`. The same bound holds for memory: a "zip bomb" (at deflate's
   * 1032:1, 1 MiB inflates to 1 GiB) must never fully inflate, so an
   * implementation inflates in steps and checks the size between them (the
   * built-in gzip and deflate hold at most 1.25 × `maxSize` while
   * inflating, or `maxSize` plus 66 KiB for tiny limits). Client responses
   * and server requests both come here, with the side's max receive message
   * size.
   *
   * @param data The compressed bytes.
   * @param maxSize Largest acceptable output, in bytes.
   * @returns The decompressed bytes.
   * @throws {GrpcError} `RESOURCE_EXHAUSTED` when the output passes
   * `maxSize`; `INTERNAL` on corrupt input.
   */
  decompress(data: Uint8Array, maxSize: number): Promise<Uint8Array>;
}

function corrupt(name: string, cause: unknown): GrpcError {
  return new GrpcError(
    Code.INTERNAL,
    `failed to decompress message with ${name}`,
    { cause },
  );
}

function tooLarge(maxSize: number): GrpcError {
  return new GrpcError(
    Code.RESOURCE_EXHAUSTED,
    `decompressed message larger than max (${maxSize})`,
  );
}

/**
 * No compression: data passes through (checked against `maxSize` on the way
 * in).
 *
 * @example Pass through
 * ```ts
 * import { identity } from "./compression.ts";
 *
 * const data = new Uint8Array([1, 2]);
 * console.log(await identity.compress(data) === data); // true
 * ```
 */
export const identity: Compression = {
  name: "identity",
  compress: (data) => Promise.resolve(data),
  decompress: (data, maxSize) =>
    data.length > maxSize
      ? Promise.reject(tooLarge(maxSize))
      : Promise.resolve(data),
};

/**
 * Adler-32 (RFC 1950 §8.2). The modulo is taken once per 5552 bytes, zlib's
 * NMAX: the longest run after which `b` still fits in 32 bits.
 */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const len = data.length;
  for (let i = 0; i < len;) {
    const end = Math.min(i + 5552, len);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Whether a zlib stream's trailing Adler-32 matches its decompressed output.
 *
 * Deno's `DecompressionStream("deflate")` accepts a stream truncated at the
 * end (a missing or partial checksum, even a cut final block) without an
 * error, while the gzip variant checks its CRC. Trailing bytes after the
 * stream are rejected, so the checksum is the input's last four bytes.
 */
function zlibChecksumMatches(input: Uint8Array, output: Uint8Array): boolean {
  const n = input.length;
  if (n < 6) return false; // 2-byte header + 4-byte checksum at the least
  const expected = ((input[n - 4] << 24) | (input[n - 3] << 16) |
    (input[n - 2] << 8) | input[n - 1]) >>> 0;
  return adler32(output) === expected;
}

/** A `Compression` backed by `CompressionStream(format)`. */
function streamCompression(
  name: string,
  format: CompressionFormat,
  verify?: (input: Uint8Array, output: Uint8Array) => boolean,
): Compression {
  return {
    name,
    async compress(data) {
      const out = await runTransform(
        new CompressionStream(format),
        data,
        Infinity,
        false,
      );
      return out!; // never past Infinity
    },
    async decompress(data, maxSize) {
      let out: Uint8Array | undefined;
      try {
        out = await runTransform(
          new DecompressionStream(format),
          data,
          maxSize,
          true,
        );
      } catch (cause) {
        throw corrupt(name, cause);
      }
      if (out === undefined) throw tooLarge(maxSize);
      if (verify !== undefined && !verify(data, out)) {
        throw corrupt(name, new TypeError("checksum mismatch or truncated"));
      }
      return out;
    },
  };
}

/**
 * gzip (RFC 1952), the algorithm every gRPC implementation supports.
 *
 * @example Round trip
 * ```ts
 * import { gzip } from "./compression.ts";
 *
 * const packed = await gzip.compress(new TextEncoder().encode("hello"));
 * console.log(new TextDecoder().decode(await gzip.decompress(packed, 1024))); // "hello"
 * ```
 */
export const gzip: Compression = streamCompression("gzip", "gzip");

/**
 * deflate: the zlib format (RFC 1950), as gRPC's `deflate` means.
 *
 * @example Round trip
 * ```ts
 * import { deflate } from "./compression.ts";
 *
 * const packed = await deflate.compress(new Uint8Array(100));
 * console.log((await deflate.decompress(packed, 1024)).length); // 100
 * ```
 */
export const deflate: Compression = streamCompression(
  "deflate",
  "deflate",
  zlibChecksumMatches,
);

/**
 * The algorithms a client or server offers, looked up by `grpc-encoding`.
 *
 * `identity` is always known and implied; it is neither listed by
 * {@linkcode CompressionRegistry.names} nor in `acceptEncoding`.
 *
 * @example Look up a peer's encoding
 * ```ts
 * import { CompressionRegistry } from "./compression.ts";
 *
 * const registry = new CompressionRegistry();
 * console.log(registry.acceptEncoding); // "gzip,deflate"
 * console.log(registry.get("gzip")?.name); // "gzip"
 * console.log(registry.get("br")); // undefined: answer UNIMPLEMENTED (server) or INTERNAL (client)
 * ```
 */
export class CompressionRegistry {
  readonly #byName = new Map<string, Compression>();
  /** The `grpc-accept-encoding` value to send: the names joined by `,`. */
  readonly acceptEncoding: string;

  /**
   * Creates a registry.
   *
   * @param list Algorithms in order of preference. Defaults to
   * `[gzip, deflate]`. A later entry with the same name replaces an earlier
   * one's lookup but keeps its position.
   */
  constructor(list: readonly Compression[] = [gzip, deflate]) {
    for (const c of list) {
      if (c.name !== identity.name) this.#byName.set(c.name.toLowerCase(), c);
    }
    this.acceptEncoding = [...this.#byName.keys()].join(",");
  }

  /**
   * Finds an algorithm by name, case-insensitively; `identity` always exists.
   *
   * @param name A `grpc-encoding` value.
   * @returns The algorithm, or `undefined` when unsupported.
   */
  get(name: string): Compression | undefined {
    const key = name.toLowerCase();
    return key === identity.name ? identity : this.#byName.get(key);
  }

  /**
   * The registered names, in order of preference, `identity` excluded.
   *
   * @returns A new array.
   */
  names(): string[] {
    return [...this.#byName.keys()];
  }
}

/**
 * Parses a `grpc-accept-encoding` value: comma-separated names, trimmed and
 * lowercased; empty entries dropped, and any `;` parameters removed.
 *
 * @param value The header value, or `undefined` when absent.
 * @returns The names, in order; empty when absent.
 *
 * @example Parse a peer's list
 * ```ts
 * import { parseAcceptEncoding } from "./compression.ts";
 *
 * console.log(parseAcceptEncoding("identity, GZIP,deflate")); // ["identity", "gzip", "deflate"]
 * ```
 */
export function parseAcceptEncoding(value: string | undefined): string[] {
  if (value === undefined || value === "") return [];
  const names: string[] = [];
  for (const part of value.split(",")) {
    const semi = part.indexOf(";");
    const name = (semi === -1 ? part : part.slice(0, semi)).trim()
      .toLowerCase();
    if (name !== "") names.push(name);
  }
  return names;
}

/**
 * The payload of a received message: decompressed when its Compressed-Flag
 * is set. A set flag without a `grpc-encoding` is INTERNAL (compression.md).
 *
 * @example Decode a compressed message
 * ```ts
 * import { gzip, messagePayload } from "./compression.ts";
 * const packed = await gzip.compress(new Uint8Array([1, 2, 3]));
 * console.log(await messagePayload(packed, true, gzip, 1024)); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 *
 * @param data the message bytes as received
 * @param compressed the message's Compressed-Flag
 * @param encoding the stream's `grpc-encoding`, if any
 * @param maxSize largest decompressed size accepted (RESOURCE_EXHAUSTED beyond)
 * @returns the message bytes
 */
export async function messagePayload(
  data: Uint8Array,
  compressed: boolean,
  encoding: Compression | undefined,
  maxSize: number,
): Promise<Uint8Array> {
  if (!compressed) return data;
  if (!encoding) {
    throw new GrpcError(
      Code.INTERNAL,
      "compressed message without grpc-encoding",
    );
  }
  return await encoding.decompress(data, maxSize);
}
