/**
 * The header field type shared by the HPACK encoder and decoder.
 *
 * @module
 */

/**
 * A header field: a name (lowercase, RFC 9113 §8.2.1) and a value, both held
 * as strings of octets in Latin-1 form: one UTF-16 code unit per octet, each
 * 0..255, so any byte sequence survives a round trip exactly (RFC 7541 §5.2
 * string literals are octets, not text).
 *
 * @example A gRPC request's path
 * ```ts
 * import type { HeaderField } from "./header_field.ts";
 *
 * const field: HeaderField = [":path", "/helloworld.Greeter/SayHello"];
 * console.log(field[0]); // ":path"
 * ```
 */
export type HeaderField = [name: string, value: string];
