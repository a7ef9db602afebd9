import assert from "node:assert/strict";
import {
  isBinaryKey,
  isReservedHeader,
  Metadata,
} from "../../lib/grpc/metadata.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("Metadata lowercases keys on set and on lookup", () => {
  const md = new Metadata();
  md.set("X-Request-ID", "abc");
  assert.equal(md.get("x-request-id"), "abc");
  assert.equal(md.get("X-REQUEST-ID"), "abc");
  assert.equal(md.has("X-Request-Id"), true);
  assert.deepEqual([...md.keys()], ["x-request-id"]);
});

Deno.test("Metadata keeps repeated values in order; set replaces them all", () => {
  const md = new Metadata().append("k", "1").append("other", "x").append(
    "K",
    "2",
  );
  assert.deepEqual(md.getAll("k"), ["1", "2"]);
  assert.equal(md.get("k"), "1");
  assert.equal(md.size, 3);
  assert.deepEqual([...md], [["k", "1"], ["k", "2"], ["other", "x"]]);
  md.set("k", "3");
  assert.deepEqual(md.getAll("k"), ["3"]);
  assert.equal(md.size, 2);
});

Deno.test("Metadata.delete() removes every value of a key", () => {
  const md = new Metadata({ a: ["1", "2"], b: "3" });
  assert.equal(md.delete("A"), true);
  assert.equal(md.delete("a"), false);
  assert.equal(md.size, 1);
  assert.deepEqual(md.getAll("a"), []);
  assert.equal(md.get("a"), undefined);
});

Deno.test("Metadata rejects keys outside [0-9a-z_.-] with TypeError", () => {
  const md = new Metadata();
  for (const bad of ["", "a b", "a:b", "ä", "a/b", "a\n", "key!"]) {
    assert.throws(() => md.set(bad, "v"), TypeError, JSON.stringify(bad));
  }
  md.set("a-z_0.9", "ok");
  assert.equal(md.get("a-z_0.9"), "ok");
});

Deno.test("Metadata rejects reserved and pseudo-header keys with TypeError", () => {
  const md = new Metadata();
  for (
    const key of [
      "grpc-status",
      "grpc-message",
      "grpc-status-details-bin",
      "grpc-timeout",
      "grpc-encoding",
      "grpc-accept-encoding",
      "content-type",
      "Content-Type",
      "te",
      "connection",
      "transfer-encoding",
      ":path",
    ]
  ) {
    assert.throws(() => md.append(key, "v"), TypeError, key);
  }
  assert.equal(md.size, 0);
  md.set("grpc-retry-pushback-ms", "10"); // grpc-* not in the list is allowed
});

Deno.test("isReservedHeader() covers pseudo-headers and transport keys only", () => {
  assert.equal(isReservedHeader(":authority"), true);
  assert.equal(isReservedHeader("grpc-status"), true);
  assert.equal(isReservedHeader("te"), true);
  assert.equal(isReservedHeader("user-agent"), false);
  assert.equal(isReservedHeader("authorization"), false);
  assert.equal(isReservedHeader("grpc-previous-rpc-attempts"), false);
  assert.equal(isBinaryKey("x-bin"), true);
  assert.equal(isBinaryKey("binary"), false);
});

Deno.test("Metadata rejects text values outside printable ASCII", () => {
  const md = new Metadata();
  for (const bad of ["a\nb", "tab\there", "é", "\x7f", "\x00"]) {
    assert.throws(() => md.set("k", bad), TypeError, JSON.stringify(bad));
  }
  md.set("k", " ~!");
  assert.equal(md.get("k"), "~!");
});

Deno.test("Metadata trims leading and trailing spaces of text values", () => {
  const md = new Metadata({ k: "  a b  " });
  assert.equal(md.get("k"), "a b");
});

Deno.test("Metadata takes bytes only for -bin keys", () => {
  const md = new Metadata();
  assert.throws(() => md.set("k", new Uint8Array([1])), TypeError);
  md.set("k-bin", new Uint8Array([1, 2]));
  assert.deepEqual(md.get("k-bin"), new Uint8Array([1, 2]));
});

Deno.test("Metadata stores a string given to a -bin key as UTF-8 bytes", () => {
  const md = new Metadata({ "k-bin": "☺" });
  assert.deepEqual(md.get("k-bin"), enc("☺"));
});

Deno.test("Metadata constructor takes records, pairs and Metadata", () => {
  const fromRecord = new Metadata({ a: "1", b: ["2", "3"] });
  assert.deepEqual([...fromRecord], [["a", "1"], ["b", "2"], ["b", "3"]]);
  const fromPairs = new Metadata([["A", "1"], ["a", "2"]]);
  assert.deepEqual(fromPairs.getAll("a"), ["1", "2"]);
  const copy = new Metadata(fromRecord);
  copy.append("b", "4");
  assert.deepEqual(fromRecord.getAll("b"), ["2", "3"]);
  assert.deepEqual(copy.getAll("b"), ["2", "3", "4"]);
  assert.equal(copy.size, 4);
});

Deno.test("Metadata.clone() is independent of the original", () => {
  const md = new Metadata({ a: "1" });
  const c = md.clone();
  c.set("a", "2").set("b", "3");
  assert.equal(md.get("a"), "1");
  assert.equal(md.has("b"), false);
  assert.equal(c.size, 2);
});

Deno.test("Metadata.toHeaders() writes one field per value, -bin as unpadded base64", () => {
  const md = new Metadata()
    .append("x-id", "7")
    .append("trace-bin", new Uint8Array([1]))
    .append("trace-bin", new Uint8Array([1, 2]))
    .append("x-id", "8");
  assert.deepEqual(md.toHeaders(), [
    ["x-id", "7"],
    ["x-id", "8"],
    ["trace-bin", "AQ"],
    ["trace-bin", "AQI"],
  ]);
});

Deno.test("Metadata.toHeaders() leaves out user-agent, which the transport writes", () => {
  const md = new Metadata({ "user-agent": "app/1.0", a: "b" });
  assert.equal(md.get("user-agent"), "app/1.0");
  assert.deepEqual(md.toHeaders(), [["a", "b"]]);
});

Deno.test("Metadata.fromHeaders() skips pseudo-headers and reserved keys, keeps user-agent", () => {
  const md = Metadata.fromHeaders([
    [":status", "200"],
    ["content-type", "application/grpc"],
    ["grpc-encoding", "gzip"],
    ["grpc-accept-encoding", "gzip"],
    ["grpc-status", "0"],
    ["grpc-message", "ok"],
    ["grpc-status-details-bin", "CAE"],
    ["grpc-timeout", "1S"],
    ["te", "trailers"],
    ["user-agent", "grpc-go/1.60"],
    ["x-a", "1"],
  ]);
  assert.deepEqual([...md], [["user-agent", "grpc-go/1.60"], ["x-a", "1"]]);
  assert.equal(md.size, 2);
});

Deno.test("Metadata.fromHeaders() splits -bin values on commas, padded or not", () => {
  const md = Metadata.fromHeaders([
    ["x-bin", "AQ==,AQI"],
    ["x-bin", "AQID"],
    ["y-bin", ""],
  ]);
  assert.deepEqual(md.getAll("x-bin"), [
    new Uint8Array([1]),
    new Uint8Array([1, 2]),
    new Uint8Array([1, 2, 3]),
  ]);
  assert.deepEqual(md.getAll("y-bin"), [new Uint8Array(0)]);
  assert.equal(md.size, 4);
});

Deno.test("Metadata.fromHeaders() skips undecodable -bin parts without throwing", () => {
  const md = Metadata.fromHeaders([
    ["x-bin", "A,AQ,@@"],
    ["z-bin", "!"],
  ]);
  assert.deepEqual(md.getAll("x-bin"), [new Uint8Array([1])]);
  assert.equal(md.has("z-bin"), false);
  assert.equal(md.size, 1);
});

Deno.test("Metadata.fromHeaders() keeps text values whole, commas included", () => {
  const md = Metadata.fromHeaders([["x-list", "a, b,c"], ["X-Upper", "v"]]);
  assert.deepEqual(md.getAll("x-list"), ["a, b,c"]);
  assert.equal(md.get("x-upper"), "v");
});

Deno.test("Metadata.fromHeaders() skips names outside [0-9a-z_.-]", () => {
  const md = Metadata.fromHeaders([["bad name", "1"], ["ok", "2"]]);
  assert.deepEqual([...md], [["ok", "2"]]);
});

Deno.test("Metadata.toHeaders() and fromHeaders() round trip", () => {
  const md = new Metadata()
    .append("x-grpc-test-echo-initial", "test_initial_metadata_value")
    .append("x-grpc-test-echo-trailing-bin", new Uint8Array([0xab, 0xab, 0xab]))
    .append("k", "1")
    .append("k", "2");
  const back = Metadata.fromHeaders(md.toHeaders());
  assert.deepEqual([...back], [...md]);
});
