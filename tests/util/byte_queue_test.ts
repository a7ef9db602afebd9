import assert from "node:assert/strict";
import { ByteQueue } from "../../lib/util/byte_queue.ts";

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** `data` cut into chunks at `cuts` (offsets), pushed into a new queue. */
function queueOf(data: Uint8Array, cuts: number[]): ByteQueue {
  const queue = new ByteQueue();
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    queue.push(data.subarray(at, cut));
    at = cut;
  }
  return queue;
}

Deno.test("ByteQueue.push() counts bytes and ignores empty chunks", () => {
  const queue = new ByteQueue();
  queue.push(new Uint8Array(0));
  assert.equal(queue.length, 0);
  queue.push(bytes(3));
  queue.push(new Uint8Array(0));
  queue.push(bytes(4));
  assert.equal(queue.length, 7);
});

Deno.test("ByteQueue.view() returns a view, not a copy, within one chunk", () => {
  const chunk = bytes(10);
  const queue = queueOf(chunk, []);
  const v = queue.view(4)!;
  assert.equal(v.buffer, chunk.buffer);
  assert.equal(v.byteOffset, chunk.byteOffset);
  assert.deepEqual(v, chunk.subarray(0, 4));
  const w = queue.view(6)!;
  assert.equal(w.byteOffset, chunk.byteOffset + 4);
  assert.equal(queue.length, 0);
});

Deno.test("ByteQueue.view() declines bytes spanning chunks and consumes nothing", () => {
  const data = bytes(10);
  const queue = queueOf(data, [3]);
  assert.equal(queue.view(5), undefined);
  assert.equal(queue.length, 10);
  assert.deepEqual(queue.read(new Uint8Array(5)), data.subarray(0, 5));
  assert.equal(queue.length, 5);
  // The rest lies within the second chunk: a view again.
  assert.deepEqual(queue.view(5), data.subarray(5));
});

Deno.test("ByteQueue.view(0) returns an empty array, even when empty", () => {
  const queue = new ByteQueue();
  assert.equal(queue.view(0)?.length, 0);
});

Deno.test("ByteQueue.read() copies across any cuts", () => {
  const data = bytes(50, 3);
  for (const cuts of [[], [1], [1, 2, 3], [10, 20, 30, 40], [49]]) {
    const queue = queueOf(data, cuts);
    const a = queue.read(new Uint8Array(17));
    const b = queue.read(new Uint8Array(33));
    assert.deepEqual(a, data.subarray(0, 17), `${cuts}`);
    assert.deepEqual(b, data.subarray(17), `${cuts}`);
    assert.equal(queue.length, 0);
  }
});

Deno.test("ByteQueue.peek() copies without consuming, across chunks", () => {
  const data = bytes(40, 9);
  const queue = queueOf(data, [2, 5, 30]);
  queue.skip(1);
  assert.deepEqual(queue.peek(new Uint8Array(9)), data.subarray(1, 10));
  // Long pieces take the other copy path.
  assert.deepEqual(queue.peek(new Uint8Array(39)), data.subarray(1));
  assert.equal(queue.length, 39);
});

Deno.test("ByteQueue.chunk and offset show the next byte in place", () => {
  const data = bytes(12);
  const queue = queueOf(data, [4]);
  queue.skip(2);
  assert.equal(queue.chunk[queue.offset], data[2]);
  queue.skip(2); // the end of the first chunk
  assert.equal(queue.offset, 0);
  assert.equal(queue.chunk[queue.offset], data[4]);
  queue.skip(5);
  assert.equal(queue.chunk[queue.offset], data[9]);
});

Deno.test("ByteQueue.skip() crosses several chunks", () => {
  const data = bytes(30);
  const queue = queueOf(data, [3, 6, 9, 12]);
  queue.skip(10);
  assert.equal(queue.length, 20);
  assert.deepEqual(queue.read(new Uint8Array(20)), data.subarray(10));
});

Deno.test("ByteQueue.detach() keeps what is held when the pushed buffer is reused", () => {
  const queue = new ByteQueue();
  const buffer = new Uint8Array(8);
  const expected: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 8; i++) buffer[i] = round * 8 + i;
    queue.push(buffer);
    expected.push(...buffer);
    // Consume a little, keep the rest across the reuse.
    const n = round + 1;
    assert.deepEqual([...queue.read(new Uint8Array(n))], expected.splice(0, n));
    queue.detach();
    buffer.fill(0xee);
  }
  assert.deepEqual([...queue.read(new Uint8Array(queue.length))], expected);
});

Deno.test("ByteQueue.detach() with nothing held does nothing", () => {
  const queue = new ByteQueue();
  queue.detach();
  assert.equal(queue.length, 0);
  queue.push(bytes(2));
  queue.skip(2);
  queue.detach();
  assert.equal(queue.length, 0);
});

Deno.test("ByteQueue.clear() forgets everything held", () => {
  const queue = queueOf(bytes(10), [5]);
  queue.skip(2);
  queue.clear();
  assert.equal(queue.length, 0);
  queue.push(bytes(3, 1));
  assert.deepEqual(queue.view(3), bytes(3, 1));
});

Deno.test("ByteQueue stays correct through many chunks held at once (compaction)", () => {
  const data = bytes(1000, 4);
  const queue = new ByteQueue();
  const out: number[] = [];
  // Push two one-byte chunks, consume one: the backlog grows past the point
  // where consumed slots are compacted away.
  let pushed = 0;
  while (pushed < data.length) {
    queue.push(data.subarray(pushed, pushed + 1));
    queue.push(data.subarray(pushed + 1, pushed + 2));
    pushed += 2;
    out.push(...queue.read(new Uint8Array(1)));
  }
  out.push(...queue.read(new Uint8Array(queue.length)));
  assert.deepEqual(out, [...data]);
});
