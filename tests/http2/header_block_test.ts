import assert from "node:assert/strict";
import { HeaderBlockAssembler } from "../../lib/http2/header_block.ts";
import { ConnectionError } from "../../lib/http2/errors.ts";
import { ErrorCode, type HeadersFrame } from "../../lib/http2/frame/types.ts";

function headers(streamId: number, fragment: number[]): HeadersFrame {
  return {
    type: 1,
    streamId,
    endStream: false,
    endHeaders: false,
    fragment: new Uint8Array(fragment),
  };
}

Deno.test("HeaderBlockAssembler joins HEADERS and CONTINUATION fragments", () => {
  const blocks = new HeaderBlockAssembler(100);
  const source = new Uint8Array([1, 2]);
  blocks.begin({ ...headers(1, []), fragment: source });
  source.fill(0); // the read buffer is reused: the assembler copied
  assert.equal(blocks.open, true);
  assert.equal(blocks.continue(1, new Uint8Array([3]), false), undefined);
  const done = blocks.continue(1, new Uint8Array([4, 5]), true);
  assert.deepEqual(done?.block, new Uint8Array([1, 2, 3, 4, 5]));
  assert.equal(done?.frame.streamId, 1);
  assert.equal(blocks.open, false);
});

Deno.test("HeaderBlockAssembler rejects CONTINUATION on another stream or without HEADERS", () => {
  const blocks = new HeaderBlockAssembler(100);
  assert.throws(
    () => blocks.continue(1, new Uint8Array(1), true),
    (e: unknown) =>
      e instanceof ConnectionError && e.code === ErrorCode.PROTOCOL_ERROR,
  );
  blocks.begin(headers(1, [1]));
  assert.throws(
    () => blocks.continue(3, new Uint8Array(1), true),
    (e: unknown) =>
      e instanceof ConnectionError && e.code === ErrorCode.PROTOCOL_ERROR,
  );
});

Deno.test("HeaderBlockAssembler caps the block (CONTINUATION flood)", () => {
  const blocks = new HeaderBlockAssembler(10);
  blocks.begin(headers(1, [1, 2, 3, 4, 5, 6]));
  assert.throws(
    () => blocks.continue(1, new Uint8Array(6), false),
    (e: unknown) =>
      e instanceof ConnectionError && e.code === ErrorCode.ENHANCE_YOUR_CALM,
  );
});
