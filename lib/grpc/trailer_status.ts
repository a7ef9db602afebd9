/**
 * A call's status in trailers (PROTOCOL-HTTP2.md, "Status"): `grpc-status`
 * (decimal code), `grpc-message` (percent-encoded) and
 * `grpc-status-details-bin` (a base64 `google.rpc.Status`), followed by the
 * error's metadata. The server writes them, the client reads them back.
 *
 * @module
 */

import type { HeaderField } from "../http2/hpack/mod.ts";
import { Code, parseCode } from "./status.ts";
import { GrpcError } from "./grpc_error.ts";
import type { Metadata } from "./metadata.ts";
import { decodeGrpcMessage, encodeGrpcMessage } from "./percent.ts";
import { decodeStatusDetails, encodeStatusDetails } from "./status_details.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";

/** `grpc-status: 0`, one shared field. */
const STATUS_OK: HeaderField = ["grpc-status", "0"];

/**
 * The trailers of a call that ended OK without custom trailers: one frozen
 * list, so the HPACK encoder sends its remembered block.
 *
 * @example End a call OK
 * ```ts ignore
 * stream.sendHeaders(OK_TRAILERS, true);
 * ```
 */
export const OK_TRAILERS: readonly HeaderField[] = Object.freeze([STATUS_OK]);

/**
 * Appends the status fields of `error` (OK when undefined) to `fields`:
 * `grpc-status`, `grpc-message` when there is a message,
 * `grpc-status-details-bin` when there are details, then the error's
 * metadata.
 *
 * @example Trailers of a failed call
 * ```ts
 * import { appendStatus } from "./trailer_status.ts";
 * import { Code } from "./status.ts";
 * import { GrpcError } from "./grpc_error.ts";
 * const fields: [string, string][] = [];
 * appendStatus(fields, new GrpcError(Code.NOT_FOUND, "no such file: ü"));
 * console.log(fields); // [["grpc-status", "5"], ["grpc-message", "no such file: %C3%BC"]]
 * ```
 *
 * @param fields the field list being built (trailers, or a Trailers-Only
 * header)
 * @param error the status; undefined for OK
 */
export function appendStatus(
  fields: HeaderField[],
  error: GrpcError | undefined,
): void {
  if (!error) {
    fields.push(STATUS_OK);
    return;
  }
  fields.push(["grpc-status", String(error.code)]);
  if (error.rawMessage) {
    fields.push(["grpc-message", encodeGrpcMessage(error.rawMessage)]);
  }
  if (error.details.length > 0) {
    fields.push([
      "grpc-status-details-bin",
      encodeBase64(
        encodeStatusDetails(error.code, error.rawMessage, error.details),
      ),
    ]);
  }
  const metadata = error.metadata.toHeaders();
  for (let i = 0; i < metadata.length; i++) fields.push(metadata[i]);
}

/**
 * The code in `grpc-status`. A value that is not a known code reads as
 * UNKNOWN, as the spec asks.
 *
 * @example Read the status
 * ```ts
 * import { statusCode } from "./trailer_status.ts";
 * console.log(statusCode([["grpc-status", "14"]])); // 14 (UNAVAILABLE)
 * console.log(statusCode([[":status", "502"]])); // undefined
 * ```
 *
 * @param fields received trailers (or a Trailers-Only header)
 * @returns the code, or undefined when there is no `grpc-status`
 */
export function statusCode(fields: readonly HeaderField[]): Code | undefined {
  for (let i = 0; i < fields.length; i++) {
    if (fields[i][0] === "grpc-status") {
      return parseCode(fields[i][1]) ?? Code.UNKNOWN;
    }
  }
  return undefined;
}

/**
 * The error that trailers with a non-OK `code` describe: `grpc-message`
 * percent-decoded, `grpc-status-details-bin` unpacked (ignored when it does
 * not decode), and the trailers as metadata.
 *
 * @example Read a failed call's status
 * ```ts
 * import { errorFromTrailers, statusCode } from "./trailer_status.ts";
 * import { Metadata } from "./metadata.ts";
 * const fields: [string, string][] = [["grpc-status", "5"], ["grpc-message", "no%20file"]];
 * const error = errorFromTrailers(statusCode(fields)!, fields, Metadata.fromHeaders(fields));
 * console.log(error.code, error.rawMessage); // 5 "no file"
 * ```
 *
 * @param code the status code, not OK
 * @param fields the received trailers
 * @param metadata the trailers as metadata (the caller may have built them)
 * @returns the error
 */
export function errorFromTrailers(
  code: Code,
  fields: readonly HeaderField[],
  metadata: Metadata,
): GrpcError {
  let message = "";
  let details: Uint8Array | undefined;
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i][0];
    const value = fields[i][1];
    if (name === "grpc-message") message = decodeGrpcMessage(value);
    else if (name === "grpc-status-details-bin") details = decodeBin(value);
  }
  const parsed = details ? decodeStatusDetails(details) : undefined;
  return new GrpcError(code, message, {
    metadata,
    details: parsed?.details,
  });
}

function decodeBin(value: string): Uint8Array | undefined {
  try {
    return decodeBase64(value);
  } catch {
    return undefined;
  }
}
