/**
 * HPACK costs per gRPC call: encoding and decoding typical request headers
 * and response headers/trailers, on a warm connection (dynamic table filled
 * by earlier calls) and on a cold one.
 *
 * Run with `deno bench bench/hpack_bench.ts`.
 *
 * @module
 */

import {
  HpackDecoder,
  HpackEncoder,
  huffmanDecode,
  huffmanEncode,
} from "../lib/http2/hpack/mod.ts";

const REQUEST: [string, string][] = [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/helloworld.Greeter/SayHello"],
  [":authority", "127.0.0.1:50051"],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
  ["user-agent", "grpc-deno/0.1.0"],
  ["grpc-timeout", "999m"],
];
const RESPONSE: [string, string][] = [
  [":status", "200"],
  ["content-type", "application/grpc"],
];
const TRAILERS: [string, string][] = [
  ["grpc-status", "0"],
  ["grpc-message", ""],
];
const ERROR_TRAILERS: [string, string][] = [
  ["grpc-status", "5"],
  ["grpc-message", "greeter%20not%20found%3A%20world"],
];

// Warm state: both sides have already seen one call.
const warmEncoder = new HpackEncoder();
const warmDecoder = new HpackDecoder();
for (const list of [REQUEST, RESPONSE, TRAILERS]) {
  warmDecoder.decode(warmEncoder.encode(list));
}
const warmRequestBlock = warmEncoder.encode(REQUEST);
warmDecoder.decode(warmRequestBlock);
const coldRequestBlock = new HpackEncoder().encode(REQUEST);
const coldResponseBlock = new HpackEncoder().encode([
  ...RESPONSE,
  ...ERROR_TRAILERS,
]);
const longValue = "x-".repeat(200) + "/helloworld.Greeter/SayHello".repeat(10);
const longHuffman = huffmanEncode(longValue);

Deno.bench("encode request headers (warm table)", { group: "encode" }, () => {
  warmEncoder.encode(REQUEST);
});

Deno.bench("encode response headers + trailers (warm table)", {
  group: "encode",
}, () => {
  warmEncoder.encode(RESPONSE);
  warmEncoder.encode(TRAILERS);
});

Deno.bench("encode request headers (new connection)", {
  group: "encode",
}, () => {
  new HpackEncoder().encode(REQUEST);
});

Deno.bench("decode request headers (warm table)", { group: "decode" }, () => {
  warmDecoder.decode(warmRequestBlock);
});

Deno.bench("decode request headers (new connection)", {
  group: "decode",
}, () => {
  new HpackDecoder().decode(coldRequestBlock);
});

Deno.bench("decode response + error trailers (new connection)", {
  group: "decode",
}, () => {
  new HpackDecoder().decode(coldResponseBlock);
});

Deno.bench("huffman encode 680-octet value", { group: "huffman" }, () => {
  huffmanEncode(longValue);
});

Deno.bench("huffman decode 680-octet value", { group: "huffman" }, () => {
  huffmanDecode(longHuffman);
});
