/**
 * Header names and values of gRPC over HTTP/2 (PROTOCOL-HTTP2.md). Constants
 * only, plus the content-type check.
 *
 * @module
 */

/** `:method` pseudo-header; gRPC requests are always `POST`. */
export const HEADER_METHOD = ":method";
/** `:scheme` pseudo-header: `http` or `https`. */
export const HEADER_SCHEME = ":scheme";
/** `:path` pseudo-header: `/{service}/{method}`. */
export const HEADER_PATH = ":path";
/** `:authority` pseudo-header: the virtual host. */
export const HEADER_AUTHORITY = ":authority";
/** `:status` pseudo-header of a response. */
export const HEADER_STATUS = ":status";
/** `content-type`: `application/grpc` or `application/grpc+{subtype}`. */
export const HEADER_CONTENT_TYPE = "content-type";
/** `te`: a request carries `te: trailers` to detect incompatible proxies. */
export const HEADER_TE = "te";
/** `user-agent`. */
export const HEADER_USER_AGENT = "user-agent";
/** `grpc-timeout`: see `timeout.ts`. */
export const HEADER_TIMEOUT = "grpc-timeout";
/** `grpc-encoding`: the algorithm compressing this side's messages. */
export const HEADER_ENCODING = "grpc-encoding";
/** `grpc-accept-encoding`: algorithms this side can decompress. */
export const HEADER_ACCEPT_ENCODING = "grpc-accept-encoding";
/** `grpc-status`: the decimal status code, in trailers (or Trailers-Only). */
export const HEADER_GRPC_STATUS = "grpc-status";
/** `grpc-message`: the percent-encoded status message; see `percent.ts`. */
export const HEADER_GRPC_MESSAGE = "grpc-message";
/** `grpc-status-details-bin`: a serialized `google.rpc.Status`. */
export const HEADER_STATUS_DETAILS_BIN = "grpc-status-details-bin";
/** `grpc-message-type`: the fully qualified message type (rarely sent). */
export const HEADER_MESSAGE_TYPE = "grpc-message-type";

/** The `te` value every gRPC request sends. */
export const TE_TRAILERS = "trailers";
/** The base gRPC content type (protobuf implied). */
export const CONTENT_TYPE_GRPC = "application/grpc";
/** The explicit protobuf gRPC content type. */
export const CONTENT_TYPE_GRPC_PROTO = "application/grpc+proto";

/**
 * Reads the content subtype of a gRPC content type, compared without regard
 * to case: `application/grpc` → `""`, `application/grpc+proto` → `"proto"`,
 * `application/grpc+json; charset=utf-8` → `"json"`; anything else, e.g.
 * `application/grpc-web` or `application/json`, → `undefined`.
 *
 * @param value The `content-type` header value.
 * @returns The lowercase subtype, `""` for none, or `undefined` when this is
 * not a gRPC content type.
 *
 * @example Pick a codec
 * ```ts
 * import { grpcContentSubtype } from "./headers.ts";
 *
 * console.log(grpcContentSubtype("application/grpc+proto")); // "proto"
 * console.log(grpcContentSubtype("application/grpc-web")); // undefined
 * ```
 */
export function grpcContentSubtype(
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  if (value === CONTENT_TYPE_GRPC) return "";
  if (value === CONTENT_TYPE_GRPC_PROTO) return "proto";
  const lower = value.toLowerCase();
  if (!lower.startsWith(CONTENT_TYPE_GRPC)) return undefined;
  const base = CONTENT_TYPE_GRPC.length;
  let end = lower.indexOf(";", base);
  if (end === -1) end = lower.length;
  const sep = lower.charCodeAt(base);
  if (sep === 0x2b /* + */) return lower.slice(base + 1, end).trim();
  if (end === base || lower.slice(base, end).trim() === "") return "";
  return undefined;
}

/**
 * Whether a `content-type` names gRPC: `application/grpc` itself, or followed
 * by `+subtype` or by `;` parameters. A server answers any other value with
 * HTTP 415.
 *
 * @param value The `content-type` header value.
 * @returns `true` for a gRPC content type.
 *
 * @example Check a request
 * ```ts
 * import { isGrpcContentType } from "./headers.ts";
 *
 * console.log(isGrpcContentType("application/grpc")); // true
 * console.log(isGrpcContentType("application/grpc+proto")); // true
 * console.log(isGrpcContentType("application/grpcx")); // false
 * ```
 */
export function isGrpcContentType(value: string | undefined): boolean {
  return grpcContentSubtype(value) !== undefined;
}
