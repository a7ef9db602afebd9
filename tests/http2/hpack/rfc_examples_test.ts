import assert from "node:assert/strict";
import { HpackDecoder } from "../../../lib/http2/hpack/decoder.ts";
import { HpackEncoder } from "../../../lib/http2/hpack/encoder.ts";
import type { HeaderField } from "../../../lib/http2/hpack/header_field.ts";

function hex(s: string): Uint8Array {
  const digits = s.replace(/\s+/g, "");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

interface Step {
  block: string;
  fields: HeaderField[];
  table: HeaderField[];
  size: number;
}

function run(decoder: HpackDecoder, steps: Step[]): void {
  for (const [i, step] of steps.entries()) {
    const decoded = decoder.decode(hex(step.block));
    assert.equal(decoded.oversize, false);
    assert.deepEqual(decoded.fields, step.fields, `block ${i + 1}`);
    assert.deepEqual(
      decoder.dynamicTableEntries(),
      step.table,
      `table ${i + 1}`,
    );
    assert.equal(decoder.dynamicTableSize, step.size, `size ${i + 1}`);
  }
}

const SET_COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

// RFC 7541 C.3 / C.4: the same three requests, plain then Huffman-coded.
const REQUEST_FIELDS: HeaderField[][] = [
  [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
    ":authority",
    "www.example.com",
  ]],
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"],
  ],
  [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ],
];
const REQUEST_TABLES: [HeaderField[], number][] = [
  [[[":authority", "www.example.com"]], 57],
  [[["cache-control", "no-cache"], [":authority", "www.example.com"]], 110],
  [[["custom-key", "custom-value"], ["cache-control", "no-cache"], [
    ":authority",
    "www.example.com",
  ]], 164],
];

/** RFC 7541 C.3 hex dumps. */
const C3 = [
  "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
  "8286 84be 5808 6e6f 2d63 6163 6865",
  "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
];
/** RFC 7541 C.4 hex dumps. */
const C4 = [
  "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
  "8286 84be 5886 a8eb 1064 9cbf",
  "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
];

// RFC 7541 C.5 / C.6: three responses with a 256-octet table.
const RESPONSE_FIELDS: HeaderField[][] = [
  [
    [":status", "302"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"],
  ],
  [
    [":status", "307"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"],
  ],
  [
    [":status", "200"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ["location", "https://www.example.com"],
    ["content-encoding", "gzip"],
    ["set-cookie", SET_COOKIE],
  ],
];
const RESPONSE_TABLES: [HeaderField[], number][] = [
  [[
    ["location", "https://www.example.com"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["cache-control", "private"],
    [":status", "302"],
  ], 222],
  [[
    [":status", "307"],
    ["location", "https://www.example.com"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["cache-control", "private"],
  ], 222],
  [[
    ["set-cookie", SET_COOKIE],
    ["content-encoding", "gzip"],
    ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
  ], 215],
];

/** RFC 7541 C.5 hex dumps. */
const C5 = [
  "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133" +
  "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70" +
  "6c65 2e63 6f6d",
  "4803 3330 37c1 c0bf",
  "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d" +
  "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049" +
  "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e" +
  "3d31",
];
/** RFC 7541 C.6 hex dumps. */
const C6 = [
  "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6" +
  "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
  "4883 640e ffc1 c0bf",
  "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab" +
  "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f" +
  "9587 3160 65c0 03ed 4ee5 b106 3d50 07",
];

function steps(
  blocks: string[],
  fields: HeaderField[][],
  tables: [HeaderField[], number][],
): Step[] {
  return blocks.map((block, i) => ({
    block,
    fields: fields[i],
    table: tables[i][0],
    size: tables[i][1],
  }));
}

Deno.test("decode() handles RFC 7541 C.2.1: a literal with indexing adds to the table", () => {
  run(new HpackDecoder(), [{
    block: "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
    fields: [["custom-key", "custom-header"]],
    table: [["custom-key", "custom-header"]],
    size: 55,
  }]);
});

Deno.test("decode() handles RFC 7541 C.2.2: a literal without indexing leaves the table empty", () => {
  run(new HpackDecoder(), [{
    block: "040c 2f73 616d 706c 652f 7061 7468",
    fields: [[":path", "/sample/path"]],
    table: [],
    size: 0,
  }]);
});

Deno.test("decode() handles RFC 7541 C.2.3: a never-indexed literal leaves the table empty", () => {
  run(new HpackDecoder(), [{
    block: "1008 7061 7373 776f 7264 0673 6563 7265 74",
    fields: [["password", "secret"]],
    table: [],
    size: 0,
  }]);
});

Deno.test("decode() handles RFC 7541 C.2.4: an indexed static field", () => {
  run(new HpackDecoder(), [{
    block: "82",
    fields: [[":method", "GET"]],
    table: [],
    size: 0,
  }]);
});

Deno.test("decode() handles RFC 7541 C.3: three requests without Huffman coding", () => {
  run(new HpackDecoder(), steps(C3, REQUEST_FIELDS, REQUEST_TABLES));
});

Deno.test("decode() handles RFC 7541 C.4: three requests with Huffman coding", () => {
  run(new HpackDecoder(), steps(C4, REQUEST_FIELDS, REQUEST_TABLES));
});

Deno.test("decode() handles RFC 7541 C.5: three responses with a 256-octet table and eviction", () => {
  const decoder = new HpackDecoder({ maxTableSize: 256 });
  run(decoder, steps(C5, RESPONSE_FIELDS, RESPONSE_TABLES));
  assert.equal(decoder.dynamicTableMaxSize, 256);
});

Deno.test("decode() handles RFC 7541 C.6: three Huffman-coded responses with eviction", () => {
  run(
    new HpackDecoder({ maxTableSize: 256 }),
    steps(C6, RESPONSE_FIELDS, RESPONSE_TABLES),
  );
});

function encodeSteps(
  encoder: HpackEncoder,
  blocks: string[],
  fields: HeaderField[][],
  tables: [HeaderField[], number][],
): void {
  for (let i = 0; i < blocks.length; i++) {
    assert.deepEqual(
      encoder.encode(fields[i]),
      hex(blocks[i]),
      `block ${i + 1}`,
    );
    assert.deepEqual(
      encoder.dynamicTableEntries(),
      tables[i][0],
      `table ${i + 1}`,
    );
    assert.equal(encoder.dynamicTableSize, tables[i][1], `size ${i + 1}`);
  }
}

Deno.test("encode() produces RFC 7541 C.2.1: a new name is a literal with indexing", () => {
  const encoder = new HpackEncoder({ huffman: "never" });
  assert.deepEqual(
    encoder.encode([["custom-key", "custom-header"]]),
    hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
  );
  assert.equal(encoder.dynamicTableSize, 55);
});

Deno.test("encode() produces RFC 7541 C.2.2 for a name in noIndex", () => {
  const encoder = new HpackEncoder({ huffman: "never", noIndex: [":path"] });
  assert.deepEqual(
    encoder.encode([[":path", "/sample/path"]]),
    hex("040c 2f73 616d 706c 652f 7061 7468"),
  );
  assert.equal(encoder.dynamicTableSize, 0);
});

Deno.test("encode() produces RFC 7541 C.2.3 for a name in neverIndex", () => {
  const encoder = new HpackEncoder({
    huffman: "never",
    neverIndex: ["password"],
  });
  assert.deepEqual(
    encoder.encode([["password", "secret"]]),
    hex("1008 7061 7373 776f 7264 0673 6563 7265 74"),
  );
  assert.equal(encoder.dynamicTableSize, 0);
});

Deno.test("encode() produces RFC 7541 C.2.4: an exact static match is indexed", () => {
  assert.deepEqual(new HpackEncoder().encode([[":method", "GET"]]), hex("82"));
});

Deno.test("encode() produces RFC 7541 C.3 byte for byte without Huffman coding", () => {
  encodeSteps(
    new HpackEncoder({ huffman: "never" }),
    C3,
    REQUEST_FIELDS,
    REQUEST_TABLES,
  );
});

Deno.test("encode() produces RFC 7541 C.4 byte for byte with Huffman coding when shorter", () => {
  encodeSteps(new HpackEncoder(), C4, REQUEST_FIELDS, REQUEST_TABLES);
});

Deno.test("encode() produces RFC 7541 C.5 byte for byte when indexing everything in a 256-octet table", () => {
  const encoder = new HpackEncoder({
    huffman: "never",
    indexing: "always",
    neverIndex: [],
    peerMaxTableSize: 256,
  });
  encodeSteps(encoder, C5, RESPONSE_FIELDS, RESPONSE_TABLES);
});

Deno.test("encode() produces RFC 7541 C.6 byte for byte when indexing and Huffman-coding everything", () => {
  // "307" codes to 3 octets, no shorter than raw: the RFC still uses Huffman.
  const encoder = new HpackEncoder({
    huffman: "always",
    indexing: "always",
    neverIndex: [],
    peerMaxTableSize: 256,
  });
  encodeSteps(encoder, C6, RESPONSE_FIELDS, RESPONSE_TABLES);
});
