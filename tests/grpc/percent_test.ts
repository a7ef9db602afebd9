import assert from "node:assert/strict";
import {
  decodeGrpcMessage,
  encodeGrpcMessage,
} from "../../lib/grpc/percent.ts";

const SPECIAL =
  "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";

Deno.test("encodeGrpcMessage() leaves printable ASCII other than % untouched", () => {
  const text = " !\"#$&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~";
  assert.equal(encodeGrpcMessage(text), text);
  assert.equal(encodeGrpcMessage(""), "");
});

Deno.test("encodeGrpcMessage() escapes %, controls and UTF-8 bytes as uppercase %XX", () => {
  assert.equal(encodeGrpcMessage("100%"), "100%25");
  assert.equal(encodeGrpcMessage("a\x7fb\x00"), "a%7Fb%00");
  assert.equal(encodeGrpcMessage("é"), "%C3%A9");
});

Deno.test("encodeGrpcMessage() encodes the interop special status message", () => {
  assert.equal(
    encodeGrpcMessage(SPECIAL),
    "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A",
  );
});

Deno.test("decodeGrpcMessage() round trips the interop special status message", () => {
  assert.equal(decodeGrpcMessage(encodeGrpcMessage(SPECIAL)), SPECIAL);
});

Deno.test("decodeGrpcMessage() accepts lowercase hex digits", () => {
  assert.equal(decodeGrpcMessage("%e2%98%ba"), "☺");
});

Deno.test("decodeGrpcMessage() keeps an invalid %-sequence as is", () => {
  assert.equal(decodeGrpcMessage("%"), "%");
  assert.equal(decodeGrpcMessage("%z"), "%z");
  assert.equal(decodeGrpcMessage("%zz"), "%zz");
  assert.equal(decodeGrpcMessage("%4"), "%4");
  assert.equal(decodeGrpcMessage("a%4g%41"), "a%4gA");
  assert.equal(decodeGrpcMessage("100%"), "100%");
});

Deno.test("decodeGrpcMessage() turns invalid UTF-8 into U+FFFD", () => {
  assert.equal(decodeGrpcMessage("%ff"), "\uFFFD");
  assert.equal(decodeGrpcMessage("a%E2%98b"), "a\uFFFDb");
});

Deno.test("decodeGrpcMessage() keeps raw non-ASCII text a peer should not send", () => {
  assert.equal(decodeGrpcMessage("☺ %41 😈"), "☺ A 😈");
  assert.equal(decodeGrpcMessage("plain ☺"), "plain ☺");
});
