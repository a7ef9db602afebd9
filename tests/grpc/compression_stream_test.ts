import assert from "node:assert/strict";
import { runTransform } from "../../lib/grpc/compression_stream.ts";

const MIB = 1024 * 1024;

/**
 * A stand-in inflater that expands every byte `ratio` times (1032: deflate's
 * worst case) and records the size of each write.
 */
function expanding(ratio: number, writes: number[]) {
  return new TransformStream<BufferSource, Uint8Array>({
    transform(chunk, controller) {
      const bytes = chunk as Uint8Array; // runTransform writes views
      writes.push(bytes.length);
      controller.enqueue(
        ratio === 1 ? bytes.slice() : new Uint8Array(bytes.length * ratio),
      );
    },
  });
}

function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i * 31;
  return out;
}

Deno.test("runTransform() feeds a message small next to the limit in one write", async () => {
  const writes: number[] = [];
  const data = sample(5000); // 5000 × 1032 < 4 MiB + its headroom
  const out = await runTransform(expanding(1, writes), data, 4 * MIB, true);
  assert.deepEqual(out, data);
  assert.deepEqual(writes, [5000]);
});

Deno.test("runTransform() stops worst-case input within the limit plus one headroom slice", async () => {
  for (const maxSize of [100, 64 * 1024, 4 * MIB, 64 * MIB]) {
    const writes: number[] = [];
    const data = sample(Math.ceil(maxSize / 1032) * 8);
    const out = await runTransform(
      expanding(1032, writes),
      data,
      maxSize,
      true,
    );
    assert.equal(out, undefined);
    // Everything inflated, held or not, stays within 1.25 × the limit (or
    // the limit + 66 KiB).
    const inflated = writes.reduce((a, b) => a + b, 0) * 1032;
    const bound = maxSize + Math.max(64, Math.floor(maxSize / 4128)) * 1032;
    assert.ok(inflated <= bound, `${maxSize}: ${inflated} > ${bound}`);
  }
});

Deno.test("runTransform() slices shrink as the output nears the limit, 16 KiB at most", async () => {
  const writes: number[] = [];
  const data = sample(3_000_000);
  const out = await runTransform(expanding(1, writes), data, 4 * MIB, true);
  assert.deepEqual(out, data);
  assert.equal(writes[0], Math.floor(4 * MIB / 1032) + 1016);
  for (let i = 1; i < writes.length - 1; i++) {
    assert.ok(writes[i] <= writes[i - 1], `write ${i}: ${writes[i]}`);
  }
  const big: number[] = [];
  await runTransform(expanding(1, big), sample(100_000), 64 * MIB, true);
  assert.ok(big.length > 1 && big.every((n) => n <= 16 * 1024), `${big}`);
});

Deno.test("runTransform() without slicing writes once and has no limit", async () => {
  const writes: number[] = [];
  const data = sample(100_000);
  const out = await runTransform(expanding(1, writes), data, Infinity, false);
  assert.deepEqual(out, data);
  assert.deepEqual(writes, [100_000]);
});

Deno.test("runTransform() passes the stream's error on and writes nothing more", async () => {
  let writes = 0;
  const failing = new TransformStream<BufferSource, Uint8Array>({
    transform() {
      writes++;
      throw new TypeError("corrupt");
    },
  });
  await assert.rejects(
    runTransform(failing, sample(1_000_000), 4 * MIB, true),
    TypeError,
  );
  assert.equal(writes, 1);
});
