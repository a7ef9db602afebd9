import assert from "node:assert/strict";
import {
  appendStatus,
  errorFromTrailers,
  OK_TRAILERS,
  statusCode,
} from "../../lib/grpc/trailer_status.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Metadata } from "../../lib/grpc/metadata.ts";
import { Code } from "../../lib/grpc/status.ts";
import type { StatusDetail } from "../../lib/grpc/status_details.ts";
import type { HeaderField } from "../../lib/http2/hpack/mod.ts";

/** Writes `error` as trailers and reads them back, as server and client do. */
function roundTrip(error: GrpcError | undefined): GrpcError | undefined {
  const fields: HeaderField[] = [];
  appendStatus(fields, error);
  const code = statusCode(fields);
  assert.notEqual(code, undefined);
  if (code === Code.OK) return undefined;
  return errorFromTrailers(code!, fields, Metadata.fromHeaders(fields));
}

Deno.test("appendStatus() writes OK as the one shared grpc-status: 0 field", () => {
  const fields: HeaderField[] = [];
  appendStatus(fields, undefined);
  assert.deepEqual(fields, [["grpc-status", "0"]]);
  assert.equal(fields[0], OK_TRAILERS[0]);
  assert.ok(Object.isFrozen(OK_TRAILERS));
  assert.equal(roundTrip(undefined), undefined);
});

Deno.test("trailers round trip a status with a percent-encoded message, details and metadata", () => {
  const details: StatusDetail[] = [
    { typeUrl: "type.googleapis.com/a.B", value: new Uint8Array([1, 2, 3]) },
  ];
  const message = "bad ☺ input: 100% wrong\r\nsecond line";
  const error = new GrpcError(Code.INVALID_ARGUMENT, message, {
    details,
    metadata: new Metadata({
      "x-why": "because",
      "trace-bin": new Uint8Array([9]),
    }),
  });
  const fields: HeaderField[] = [];
  appendStatus(fields, error);
  const grpcMessage = fields.find((f) => f[0] === "grpc-message")![1];
  // Printable ASCII but '%' stays as is; the rest is percent-encoded.
  assert.match(
    grpcMessage,
    /^bad %E2%98%BA input: 100%25 wrong%0D%0Asecond line$/,
  );
  const back = roundTrip(error)!;
  assert.equal(back.code, Code.INVALID_ARGUMENT);
  assert.equal(back.rawMessage, message);
  assert.deepEqual(back.details, details);
  assert.equal(back.metadata.get("x-why"), "because");
  assert.deepEqual(back.metadata.get("trace-bin"), new Uint8Array([9]));
  // The status fields themselves are not metadata.
  assert.equal(back.metadata.has("grpc-status"), false);
  assert.equal(back.metadata.has("grpc-message"), false);
});

Deno.test("a status without message or details is only grpc-status", () => {
  const fields: HeaderField[] = [];
  appendStatus(fields, new GrpcError(Code.NOT_FOUND));
  assert.deepEqual(fields, [["grpc-status", "5"]]);
  const back = roundTrip(new GrpcError(Code.NOT_FOUND))!;
  assert.equal(back.code, Code.NOT_FOUND);
  assert.equal(back.rawMessage, "");
  assert.deepEqual(back.details, []);
});

Deno.test("statusCode() reads unknown codes as UNKNOWN and a missing grpc-status as undefined", () => {
  assert.equal(statusCode([["grpc-status", "14"]]), Code.UNAVAILABLE);
  assert.equal(statusCode([["grpc-status", "99"]]), Code.UNKNOWN);
  assert.equal(statusCode([["grpc-status", "x"]]), Code.UNKNOWN);
  assert.equal(statusCode([[":status", "502"], ["x-a", "b"]]), undefined);
});

Deno.test("errorFromTrailers() ignores details that do not decode", () => {
  const fields: HeaderField[] = [
    ["grpc-status", "13"],
    ["grpc-message", "oops"],
    ["grpc-status-details-bin", "!!not base64!!"],
  ];
  const error = errorFromTrailers(Code.INTERNAL, fields, new Metadata());
  assert.equal(error.rawMessage, "oops");
  assert.deepEqual(error.details, []);
  const garbage: HeaderField[] = [["grpc-status-details-bin", "/w"]]; // 0xff
  assert.deepEqual(
    errorFromTrailers(Code.INTERNAL, garbage, new Metadata()).details,
    [],
  );
});
