import assert from "node:assert/strict";
import { HpackDecoder } from "../../../lib/http2/hpack/decoder.ts";
import { HpackEncoder } from "../../../lib/http2/hpack/encoder.ts";

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

const GRPC_REQUEST: [string, string][] = [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/helloworld.Greeter/SayHello"],
  [":authority", "127.0.0.1:50051"],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
  ["user-agent", "grpc-deno/0.1.0"],
  ["grpc-timeout", "999m"],
];

Deno.test("encode() indexes a repeated request down to one octet per field", () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const first = encoder.encode(GRPC_REQUEST);
  assert.deepEqual(decoder.decode(first).fields, GRPC_REQUEST);
  const second = encoder.encode(GRPC_REQUEST);
  assert.deepEqual(decoder.decode(second).fields, GRPC_REQUEST);
  assert.equal(second.length, GRPC_REQUEST.length);
  assert.ok(second.every((b) => (b & 0x80) !== 0), hex(second));
});

Deno.test("encode() sends a changing grpc-timeout as a literal without indexing that names it by index", () => {
  const encoder = new HpackEncoder({ huffman: "never" });
  // First use: the name is unknown, so the field is indexed once (as 62).
  assert.equal(
    hex(encoder.encode([["grpc-timeout", "1S"]]).subarray(0, 1)),
    "40",
  );
  const size = encoder.dynamicTableSize;
  // Later values: §6.2.2 with name index 62 (4-bit prefix: 0x0f, 62 - 15).
  assert.equal(
    hex(encoder.encode([["grpc-timeout", "2S"]])),
    "0f 2f 02 32 53",
  );
  assert.equal(encoder.dynamicTableSize, size);
  // An exact match is still sent as an index.
  assert.equal(hex(encoder.encode([["grpc-timeout", "1S"]])), "be");
});

Deno.test("encode() sends content-length as a literal without indexing using the static name", () => {
  const encoder = new HpackEncoder({ huffman: "never" });
  assert.equal(hex(encoder.encode([["content-length", "5"]])), "0f 0d 01 35");
  assert.equal(encoder.dynamicTableSize, 0);
});

Deno.test("encode() sends authorization and cookie never indexed by default", () => {
  const encoder = new HpackEncoder({ huffman: "never" });
  // §6.2.3 with static name 23: 0x1f then 23 - 15 = 8.
  assert.equal(hex(encoder.encode([["authorization", "x"]])), "1f 08 01 78");
  assert.equal(hex(encoder.encode([["cookie", "a=b"]])).slice(0, 5), "1f 11");
  assert.equal(encoder.dynamicTableSize, 0);
});

Deno.test("encode() sends a field flagged sensitive never indexed, even if it is in the table", () => {
  const encoder = new HpackEncoder({ huffman: "never" });
  encoder.encode([["x-token", "abc"]]);
  assert.equal(encoder.dynamicTableSize, 7 + 3 + 32);
  // Name by dynamic index 62 (0x1f, 47), literal value, table unchanged.
  assert.equal(
    hex(encoder.encode([["x-token", "abc", true]])),
    "1f 2f 03 61 62 63",
  );
  assert.equal(encoder.dynamicTableEntries().length, 1);
});

Deno.test("encode() does not index a value larger than a quarter of the table", () => {
  const encoder = new HpackEncoder({
    maxTableSize: 256,
    peerMaxTableSize: 256,
  });
  encoder.encode([["x-big", "v".repeat(40)]]); // 5 + 40 + 32 = 77 > 64
  assert.equal(encoder.dynamicTableSize, 0);
  encoder.encode([["x-small", "v".repeat(20)]]); // 59 ≤ 64
  assert.equal(encoder.dynamicTableSize, 59);
});

Deno.test("encode() chooses Huffman coding only when strictly shorter in auto mode", () => {
  const auto = new HpackEncoder();
  // "307" codes to 3 octets like its raw form: sent raw (H bit clear).
  assert.equal(hex(auto.encode([[":status", "307"]])), "48 03 33 30 37");
  // "302" codes to 2 octets: sent Huffman-coded.
  assert.equal(hex(auto.encode([[":status", "302"]])), "48 82 64 02");
  assert.equal(
    hex(new HpackEncoder({ huffman: "always" }).encode([[":status", "307"]])),
    "48 83 64 0e ff",
  );
});

Deno.test("encode() rejects names or values with code units above 255", () => {
  assert.throws(() => new HpackEncoder().encode([["x", "€"]]), RangeError);
  assert.throws(
    () => new HpackEncoder({ huffman: "never" }).encode([["x", "€"]]),
    RangeError,
  );
});

Deno.test("encode() round-trips every octet value as Latin-1", () => {
  let all = "";
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  for (const huffman of ["auto", "always", "never"] as const) {
    const block = new HpackEncoder({ huffman }).encode([["x-bytes", all]]);
    assert.deepEqual(new HpackDecoder().decode(block).fields, [[
      "x-bytes",
      all,
    ]]);
  }
});

Deno.test("setMaxTableSize() makes the next block start with a size update", () => {
  const encoder = new HpackEncoder({ huffman: "never" });
  encoder.encode([["x-a", "1"]]);
  encoder.setMaxTableSize(0);
  assert.equal(hex(encoder.encode([[":method", "GET"]])), "20 82");
  assert.equal(encoder.dynamicTableSize, 0);
  assert.equal(encoder.dynamicTableMaxSize, 0);
  // No further update once signalled.
  assert.equal(hex(encoder.encode([[":method", "GET"]])), "82");
});

Deno.test("setMaxTableSize() lowered then raised signals the minimum, then the final size", () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode([["x-a", "1"]]));
  encoder.setMaxTableSize(100);
  encoder.setMaxTableSize(4096);
  decoder.setMaxTableSize(100);
  decoder.setMaxTableSize(4096);
  const block = encoder.encode([[":method", "GET"]]);
  // 100 = 31 + 69; 4096 = 31 + 4065 → 0x3f 0xe1 0x1f.
  assert.equal(hex(block), "3f 45 3f e1 1f 82");
  assert.deepEqual(decoder.decode(block).fields, [[":method", "GET"]]);
  assert.equal(encoder.dynamicTableMaxSize, 4096);
});

Deno.test("setMaxTableSize() emits nothing when the effective size is unchanged", () => {
  const encoder = new HpackEncoder();
  encoder.setMaxTableSize(4096);
  encoder.setMaxTableSize(65536); // capped by our maxTableSize of 4096
  assert.equal(hex(encoder.encode([[":method", "GET"]])), "82");
});

Deno.test("an encoder capped below 4096 announces its size in the first block", () => {
  const encoder = new HpackEncoder({ maxTableSize: 1024 });
  // 1024 = 31 + 993 → 0x3f 0xe1 0x07.
  assert.equal(hex(encoder.encode([[":method", "GET"]])), "3f e1 07 82");
  assert.equal(encoder.dynamicTableMaxSize, 1024);
  encoder.setMaxTableSize(8192);
  assert.equal(hex(encoder.encode([[":method", "GET"]])), "82");
});

Deno.test("encode() round-trips random header lists across many blocks with eviction", () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(random() * items.length)];
  const names = [
    ":path",
    ":authority",
    "content-type",
    "grpc-timeout",
    "x-a",
    "x-b",
    "x-custom-header",
    "authorization",
    "user-agent",
    "date",
    "x-bin",
  ];
  const randomValue = (): string => {
    const length = Math.floor(random() * (random() < 0.1 ? 200 : 20));
    let s = "";
    for (let i = 0; i < length; i++) {
      s += String.fromCharCode(
        random() < 0.9
          ? 0x20 + Math.floor(random() * 95)
          : Math.floor(random() * 256),
      );
    }
    return s;
  };
  const values = Array.from({ length: 30 }, randomValue);

  for (const huffman of ["auto", "always", "never"] as const) {
    for (const indexing of ["auto", "always"] as const) {
      const encoder = new HpackEncoder({
        huffman,
        indexing,
        maxTableSize: 512,
      });
      const decoder = new HpackDecoder({ maxTableSize: 512 });
      for (let block = 0; block < 300; block++) {
        if (random() < 0.05) {
          const size = pick([0, 64, 100, 256, 512, 4096]);
          encoder.setMaxTableSize(size);
          decoder.setMaxTableSize(Math.min(size, 512));
        }
        const count = Math.floor(random() * 12);
        const fields: [string, string, boolean?][] = [];
        for (let i = 0; i < count; i++) {
          const value = random() < 0.7 ? pick(values) : randomValue();
          fields.push([pick(names), value, random() < 0.05]);
        }
        const decoded = decoder.decode(encoder.encode(fields));
        assert.equal(decoded.oversize, false);
        assert.deepEqual(decoded.fields, fields.map(([n, v]) => [n, v]));
        assert.deepEqual(
          decoder.dynamicTableEntries(),
          encoder.dynamicTableEntries(),
        );
        assert.equal(decoder.dynamicTableSize, encoder.dynamicTableSize);
        assert.ok(encoder.dynamicTableSize <= encoder.dynamicTableMaxSize);
      }
    }
  }
});

Deno.test("a frozen list's block is remembered while the table is unchanged", () => {
  const frozen = Object.freeze<[string, string][]>([
    [":status", "200"],
    ["content-type", "application/grpc"],
  ]);
  const encoder = new HpackEncoder();
  const reference = new HpackEncoder();
  const decoder = new HpackDecoder();
  for (let i = 0; i < 3; i++) {
    const block = encoder.encode(frozen);
    assert.deepEqual(block, reference.encode([...frozen]));
    assert.deepEqual(decoder.decode(block).fields, frozen);
  }
  // Another list adds an entry: indices move, the block is encoded again.
  const other: [string, string][] = [["x-other", "1"]];
  decoder.decode(encoder.encode(other));
  reference.encode(other);
  const after = encoder.encode(frozen, true);
  assert.deepEqual(after, reference.encode([...frozen]));
  assert.deepEqual(decoder.decode(after).fields, frozen);
});
