import assert from "node:assert/strict";
import {
  CLIENT_PREFACE,
  ErrorCode,
  errorCodeName,
} from "../../../lib/http2/frame/types.ts";

Deno.test("errorCodeName() names every RFC 9113 error code", () => {
  for (const [name, code] of Object.entries(ErrorCode)) {
    assert.equal(errorCodeName(code), name);
  }
});

Deno.test("errorCodeName() gives UNKNOWN_0x… for an undefined code", () => {
  assert.equal(errorCodeName(0xff), "UNKNOWN_0xff");
  assert.equal(errorCodeName(14), "UNKNOWN_0xe");
  assert.equal(errorCodeName(0xffffffff), "UNKNOWN_0xffffffff");
});

Deno.test("CLIENT_PREFACE is the 24-octet RFC 9113 §3.4 preface", () => {
  assert.equal(
    new TextDecoder().decode(CLIENT_PREFACE),
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
  );
  assert.equal(CLIENT_PREFACE.length, 24);
});
