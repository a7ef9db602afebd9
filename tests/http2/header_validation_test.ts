import assert from "node:assert/strict";
import {
  contentLength,
  FieldBlockChecker,
  type FieldBlockKind,
  validateFieldBlock,
} from "../../lib/http2/header_validation.ts";

type Fields = Array<[string, string]>;

const REQUEST: Fields = [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/pkg.Service/Method"],
  [":authority", "localhost"],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
];

const RESPONSE: Fields = [[":status", "200"], ["content-type", "x"]];

const valid: Array<[string, Fields, FieldBlockKind]> = [
  ["a gRPC request", REQUEST, "request"],
  [
    "a request without :authority",
    REQUEST.filter(([n]) => n !== ":authority"),
    "request",
  ],
  ["CONNECT without :scheme and :path", [[":method", "CONNECT"], [
    ":authority",
    "h:1",
  ]], "request"],
  ["an extended CONNECT with :protocol", [
    [":method", "CONNECT"],
    [":protocol", "websocket"],
    [":scheme", "https"],
    [":path", "/"],
    [":authority", "h"],
  ], "request"],
  ["a response", RESPONSE, "response"],
  ["a 1xx response", [[":status", "100"]], "response"],
  ["trailers", [["grpc-status", "0"], ["grpc-message", ""]], "trailers"],
  ["empty trailers", [], "trailers"],
  ["te: trailers", [...REQUEST.slice(0, 3), ["te", "trailers"]], "request"],
  [
    "a field value with uppercase",
    [...REQUEST.slice(0, 3), ["x-a", "UPPER"]],
    "request",
  ],
];

for (const [name, fields, kind] of valid) {
  Deno.test(`validateFieldBlock() accepts ${name}`, () => {
    assert.equal(validateFieldBlock(fields, kind), undefined);
  });
}

const invalid: Array<[string, Fields, FieldBlockKind, RegExp]> = [
  [
    "an uppercase field name",
    [...REQUEST, ["X-Trace", "1"]],
    "request",
    /uppercase/,
  ],
  [
    "an uppercase name in trailers",
    [["Grpc-Status", "0"]],
    "trailers",
    /uppercase/,
  ],
  ["an empty field name", [...REQUEST, ["", "x"]], "request", /empty/],
  [
    "connection",
    [...REQUEST, ["connection", "close"]],
    "request",
    /connection-specific/,
  ],
  [
    "keep-alive",
    [...REQUEST, ["keep-alive", "5"]],
    "request",
    /connection-specific/,
  ],
  [
    "proxy-connection",
    [...REQUEST, ["proxy-connection", "x"]],
    "request",
    /connection-specific/,
  ],
  [
    "transfer-encoding",
    [...RESPONSE, ["transfer-encoding", "chunked"]],
    "response",
    /connection-specific/,
  ],
  [
    "upgrade",
    [...REQUEST, ["upgrade", "h2c"]],
    "request",
    /connection-specific/,
  ],
  [
    "te other than trailers",
    [...REQUEST.slice(0, 3), ["te", "gzip"]],
    "request",
    /te: gzip/,
  ],
  [
    "a pseudo-header after a regular field",
    [[":method", "GET"], ["x", "1"], [":path", "/"], [":scheme", "http"]],
    "request",
    /after a regular/,
  ],
  [
    "a duplicate pseudo-header",
    [...REQUEST.slice(0, 3), [":path", "/b"]],
    "request",
    /duplicate/,
  ],
  [
    "an unknown request pseudo-header",
    [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":foo", "x"]],
    "request",
    /unknown pseudo/,
  ],
  [
    "a response pseudo-header in a request",
    [[":status", "200"], ...REQUEST],
    "request",
    /unknown pseudo/,
  ],
  [
    "a request pseudo-header in a response",
    [[":status", "200"], [":path", "/"]],
    "response",
    /unknown pseudo/,
  ],
  [
    "a pseudo-header in trailers",
    [[":status", "200"]],
    "trailers",
    /in trailers/,
  ],
  [
    "a missing :method",
    REQUEST.filter(([n]) => n !== ":method"),
    "request",
    /missing :method/,
  ],
  [
    "a missing :scheme",
    REQUEST.filter(([n]) => n !== ":scheme"),
    "request",
    /missing :scheme/,
  ],
  [
    "a missing :path",
    REQUEST.filter(([n]) => n !== ":path"),
    "request",
    /missing :scheme or :path/,
  ],
  [
    "an empty :path",
    [[":method", "GET"], [":scheme", "http"], [":path", ""]],
    "request",
    /empty :path/,
  ],
  ["a missing :status", [["content-type", "x"]], "response", /missing :status/],
  ["a non-numeric :status", [[":status", "2xx"]], "response", /bad :status/],
  ["a four-digit :status", [[":status", "2000"]], "response", /bad :status/],
];

for (const [name, fields, kind, why] of invalid) {
  Deno.test(`validateFieldBlock() rejects ${name}`, () => {
    const problem = validateFieldBlock(fields, kind);
    assert.ok(problem !== undefined, "accepted");
    assert.match(problem, why);
  });
}

Deno.test("contentLength() reads the value, -1 when absent", () => {
  assert.equal(contentLength([["content-length", "0"]]), 0);
  assert.equal(contentLength([["x", "1"], ["content-length", "1234"]]), 1234);
  assert.equal(contentLength(REQUEST), -1);
});

Deno.test("contentLength() is NaN for a non-decimal value or conflicting repeats", () => {
  for (
    const bad of ["", "-1", "1.5", "0x10", " 5", "5 ", "1e3", "9".repeat(16)]
  ) {
    assert.ok(Number.isNaN(contentLength([["content-length", bad]])), bad);
  }
  assert.ok(
    Number.isNaN(
      contentLength([["content-length", "1"], ["content-length", "2"]]),
    ),
  );
  assert.equal(
    contentLength([["content-length", "7"], ["content-length", "7"]]),
    7,
  );
});

Deno.test("FieldBlockChecker remembers lists that passed, by identity and kind", () => {
  const checker = new FieldBlockChecker();
  const request: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/a"],
    ["content-length", "5"],
  ];
  assert.equal(checker.check(request, "request"), undefined);
  assert.equal(checker.contentLength, 5);
  const trailers: [string, string][] = [["grpc-status", "0"]];
  assert.equal(checker.check(trailers, "trailers"), undefined);
  assert.equal(checker.contentLength, -1);
  assert.equal(checker.check(request, "request"), undefined);
  assert.equal(checker.contentLength, 5, "remembered with its length");
  // The same list as another kind is checked as that kind.
  assert.match(checker.check(request, "trailers") ?? "", /pseudo-header/);
  // A bad list is never remembered.
  const bad: [string, string][] = [["Upper", "x"]];
  assert.match(checker.check(bad, "trailers") ?? "", /uppercase/);
  assert.match(checker.check(bad, "trailers") ?? "", /uppercase/);
});
