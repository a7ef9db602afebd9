/**
 * The gRPC layer: statuses, errors, metadata, message envelopes, timeouts and
 * compression, as header lists and bytes. No sockets and no HTTP/2 here; the
 * client and server put these on streams.
 *
 * @module
 */

export * from "./status.ts";
export * from "./grpc_error.ts";
export * from "./status_details.ts";
export * from "./metadata.ts";
export * from "./base64.ts";
export * from "./percent.ts";
export * from "./timeout.ts";
export * from "./http_status.ts";
export * from "./headers.ts";
export * from "./envelope.ts";
export * from "./compression.ts";
