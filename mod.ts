/**
 * A Deno-first gRPC runtime: HTTP/2 of its own over `Deno.connect` /
 * `Deno.listen`, gRPC framing, typed clients and servers from protoc-gen-es
 * service descriptors.
 *
 * @module
 */
export {};
