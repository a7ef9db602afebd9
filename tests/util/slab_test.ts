import assert from "node:assert/strict";
import { Slab } from "../../lib/util/slab.ts";

Deno.test("Slab.take() carves consecutive views of one slab", () => {
  const slab = new Slab({ firstSize: 64, size: 64 });
  const a = slab.take(5);
  const b = slab.take(10);
  assert.equal(a.length, 5);
  assert.equal(b.length, 10);
  assert.equal(a.buffer, b.buffer);
  assert.equal(a.byteOffset + 5, b.byteOffset);
  assert.equal(a.buffer.byteLength, 64);
});

Deno.test("Slab.take() never hands out a range twice: views stay intact", () => {
  const slab = new Slab({ firstSize: 16, size: 32, ownAbove: 16 });
  const views: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const v = slab.take(1 + (i % 7));
    v.fill(i & 0xff);
    views.push(v);
  }
  views.forEach((v, i) => assert.ok(v.every((x) => x === (i & 0xff)), `#${i}`));
});

Deno.test("Slab starts with a small first slab, then takes slabs of full size", () => {
  const slab = new Slab({ firstSize: 16, size: 256 });
  const first = slab.take(10);
  assert.equal(first.buffer.byteLength, 16);
  // 10 + 10 > 16: a new, full-size slab; the rest of the first is abandoned.
  const second = slab.take(10);
  assert.notEqual(second.buffer, first.buffer);
  assert.equal(second.buffer.byteLength, 256);
  assert.equal(second.byteOffset, 0);
});

Deno.test("Slab allocates nothing before the first take", () => {
  // Observable only through the first view's slab: sized by firstSize.
  const slab = new Slab({ firstSize: 32, size: 128 });
  assert.equal(slab.take(1).buffer.byteLength, 32);
});

Deno.test("Slab gives requests above ownAbove a buffer of their own", () => {
  const slab = new Slab({ firstSize: 64, size: 64, ownAbove: 16 });
  const small = slab.take(16);
  const big = slab.take(17);
  assert.equal(big.length, 17);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 17);
  // The slab was left alone: the next small take follows the first.
  assert.equal(slab.take(4).byteOffset, small.byteOffset + 16);
});

Deno.test("Slab defaults: 2 KiB first, 64 KiB after, own buffer above 32 KiB", () => {
  const slab = new Slab();
  assert.equal(slab.take(1).buffer.byteLength, 2 << 10);
  assert.equal(slab.take(2 << 10).buffer.byteLength, 64 << 10);
  assert.equal(slab.take((32 << 10) + 1).buffer.byteLength, (32 << 10) + 1);
  assert.equal(slab.take(32 << 10).buffer.byteLength, 64 << 10);
});

Deno.test("Slab takes a slab large enough when ownAbove exceeds the slab size", () => {
  const slab = new Slab({ firstSize: 8, size: 8, ownAbove: 100 });
  const v = slab.take(50);
  assert.equal(v.length, 50);
  assert.equal(slab.take(8).length, 8);
});

Deno.test("Slab.take(0) returns an empty view", () => {
  const slab = new Slab({ firstSize: 8, size: 8 });
  assert.equal(slab.take(0).length, 0);
  assert.equal(slab.take(8).byteOffset, 0);
});
