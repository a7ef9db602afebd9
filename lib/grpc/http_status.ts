/**
 * Status codes synthesized when a response lacks `grpc-status`: from the HTTP
 * status (grpc's `http-grpc-status-mapping.md`) and from an HTTP/2 RST_STREAM
 * error code (PROTOCOL-HTTP2.md, "Errors").
 *
 * @module
 */

import { Code } from "./status.ts";

/**
 * Maps an HTTP status to a gRPC code, for responses without `grpc-status`.
 *
 * 400 → INTERNAL, 401 → UNAUTHENTICATED, 403 → PERMISSION_DENIED,
 * 404 → UNIMPLEMENTED, 429/502/503/504 → UNAVAILABLE, 431 → INTERNAL (the
 * request headers were too large: our fault, like 400), anything else,
 * 200 included, → UNKNOWN. Informational 1xx responses are to be skipped by
 * the caller, not mapped.
 *
 * @param status The `:status` of the response.
 * @returns The code to report.
 *
 * @example Map a proxy error
 * ```ts
 * import { codeFromHttpStatus } from "./http_status.ts";
 * import { Code } from "./status.ts";
 *
 * console.log(codeFromHttpStatus(503) === Code.UNAVAILABLE); // true
 * ```
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
    case 431:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/**
 * Maps an HTTP/2 RST_STREAM error code (RFC 9113 §7) to a gRPC code, for a
 * stream reset before its status arrived.
 *
 * NO_ERROR (0) → INTERNAL, REFUSED_STREAM (7) → UNAVAILABLE (the server did
 * no work: safe to retry), CANCEL (8) → CANCELLED, ENHANCE_YOUR_CALM (11) →
 * RESOURCE_EXHAUSTED, INADEQUATE_SECURITY (12) → PERMISSION_DENIED, every
 * other code → INTERNAL.
 *
 * @param errorCode The 32-bit error code of the RST_STREAM frame.
 * @returns The code to report.
 *
 * @example Map a reset
 * ```ts
 * import { codeFromRstStream } from "./http_status.ts";
 * import { Code } from "./status.ts";
 *
 * console.log(codeFromRstStream(8) === Code.CANCELLED); // true
 * ```
 */
export function codeFromRstStream(errorCode: number): Code {
  switch (errorCode) {
    case 7:
      return Code.UNAVAILABLE;
    case 8:
      return Code.CANCELLED;
    case 11:
      return Code.RESOURCE_EXHAUSTED;
    case 12:
      return Code.PERMISSION_DENIED;
    default:
      return Code.INTERNAL;
  }
}
