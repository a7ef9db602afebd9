import assert from "node:assert/strict";
import { Code, codeName, parseCode } from "../../lib/grpc/status.ts";
import {
  codeFromHttpStatus,
  codeFromRstStream,
} from "../../lib/grpc/http_status.ts";

Deno.test("Code numbers the seventeen canonical codes 0..16", () => {
  const values = Object.values(Code);
  assert.deepEqual(values, [...Array(17).keys()]);
  assert.equal(Code.UNIMPLEMENTED, 12);
  assert.equal(Code.UNAUTHENTICATED, 16);
});

Deno.test("codeName() names known codes and marks unknown ones", () => {
  assert.equal(codeName(Code.OK), "OK");
  assert.equal(codeName(Code.INVALID_ARGUMENT), "INVALID_ARGUMENT");
  assert.equal(codeName(16), "UNAUTHENTICATED");
  assert.equal(codeName(17), "CODE_17");
  assert.equal(codeName(-1), "CODE_-1");
  assert.equal(codeName(1.5), "CODE_1.5");
});

Deno.test("parseCode() accepts exactly the decimal forms 0..16", () => {
  for (let i = 0; i <= 16; i++) assert.equal(parseCode(String(i)), i);
});

Deno.test("parseCode() rejects anything else", () => {
  for (
    const bad of [
      undefined,
      "",
      "17",
      "20",
      "99",
      "-1",
      "+1",
      "01",
      "00",
      " 1",
      "1 ",
      "1.0",
      "0x1",
      "a",
      "100",
      "١",
    ]
  ) {
    assert.equal(parseCode(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("codeFromHttpStatus() follows http-grpc-status-mapping.md", () => {
  const table: Array<[number, Code]> = [
    [400, Code.INTERNAL],
    [401, Code.UNAUTHENTICATED],
    [403, Code.PERMISSION_DENIED],
    [404, Code.UNIMPLEMENTED],
    [429, Code.UNAVAILABLE],
    [502, Code.UNAVAILABLE],
    [503, Code.UNAVAILABLE],
    [504, Code.UNAVAILABLE],
    [431, Code.INTERNAL],
    [200, Code.UNKNOWN],
    [415, Code.UNKNOWN],
    [500, Code.UNKNOWN],
    [302, Code.UNKNOWN],
  ];
  for (const [status, code] of table) {
    assert.equal(codeFromHttpStatus(status), code, String(status));
  }
});

Deno.test("codeFromRstStream() follows PROTOCOL-HTTP2.md error code mapping", () => {
  const table: Array<[number, Code]> = [
    [0x0, Code.INTERNAL], // NO_ERROR
    [0x1, Code.INTERNAL], // PROTOCOL_ERROR
    [0x2, Code.INTERNAL], // INTERNAL_ERROR
    [0x3, Code.INTERNAL], // FLOW_CONTROL_ERROR
    [0x5, Code.INTERNAL], // STREAM_CLOSED
    [0x6, Code.INTERNAL], // FRAME_SIZE_ERROR
    [0x7, Code.UNAVAILABLE], // REFUSED_STREAM
    [0x8, Code.CANCELLED], // CANCEL
    [0x9, Code.INTERNAL], // COMPRESSION_ERROR
    [0xa, Code.INTERNAL], // CONNECT_ERROR
    [0xb, Code.RESOURCE_EXHAUSTED], // ENHANCE_YOUR_CALM
    [0xc, Code.PERMISSION_DENIED], // INADEQUATE_SECURITY
    [0xd, Code.INTERNAL], // HTTP_1_1_REQUIRED
    [0xffff, Code.INTERNAL], // unknown
  ];
  for (const [errorCode, code] of table) {
    assert.equal(codeFromRstStream(errorCode), code, String(errorCode));
  }
});
