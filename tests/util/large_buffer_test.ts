import assert from "node:assert/strict";
import { largeBuffer, PREPARE_FROM } from "../../lib/util/large_buffer.ts";
import { delay } from "../../lib/util/abort.ts";

Deno.test("largeBuffer() gives small sizes a plain buffer of their own", () => {
  const a = largeBuffer(100);
  assert.equal(a.length, 100);
  assert.equal(a.buffer.byteLength, 100);
  assert.ok(a.every((b) => b === 0));
});

Deno.test("largeBuffer() hands out the spare prepared after a large request", async () => {
  const n = (1 << 20) + 5;
  const first = largeBuffer(n);
  assert.equal(first.length, n);
  first.fill(7); // the caller owns it: the spare must not be this memory
  await delay(20);
  const second = largeBuffer(n);
  assert.equal(second.length, n);
  assert.notEqual(second.buffer, first.buffer);
  // The spare is rounded up to whole pages, which shows it was prepared.
  assert.equal(second.buffer.byteLength, (1 << 20) + 4096);
  assert.ok(second.every((b) => b === 0));
  // Taken once: a third request right away gets fresh memory.
  const third = largeBuffer(n);
  assert.notEqual(third.buffer, second.buffer);
  assert.equal(third.length, n);
});

Deno.test("largeBuffer() does not hand a spare to a much smaller request", async () => {
  largeBuffer(4 << 20);
  await delay(20);
  const small = largeBuffer(PREPARE_FROM);
  assert.equal(small.buffer.byteLength, PREPARE_FROM);
  assert.equal(small.length, PREPARE_FROM);
});
