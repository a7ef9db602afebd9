import assert from "node:assert/strict";
import {
  largeBuffer,
  PREPARE_FROM,
  setPrepareScheduler,
} from "../../lib/util/large_buffer.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/**
 * Runs `fn` with the spare's preparation held back: `fn` gets a function that
 * runs the preparations scheduled so far, and their count. The preparation
 * and the request that takes the spare run in one job, so the spare's
 * `WeakRef` cannot be cleared in between.
 */
function withManualPrepare(
  fn: (prepareNow: () => number) => void,
): void {
  const tasks: Array<() => void> = [];
  setPrepareScheduler((task) => tasks.push(task));
  try {
    fn(() => {
      const n = tasks.length;
      for (const task of tasks.splice(0)) task();
      return n;
    });
  } finally {
    setPrepareScheduler(undefined);
  }
}

Deno.test("largeBuffer() gives small sizes a plain buffer of their own", () => {
  withManualPrepare((prepareNow) => {
    const a = largeBuffer(100);
    assert.equal(a.length, 100);
    assert.equal(a.buffer.byteLength, 100);
    assert.ok(a.every((b) => b === 0));
    assert.equal(prepareNow(), 0, "no spare prepared for a small size");
  });
});

Deno.test("largeBuffer() hands out the spare prepared after a large request", () => {
  withManualPrepare((prepareNow) => {
    const n = (1 << 20) + 5;
    const first = largeBuffer(n);
    assert.equal(first.length, n);
    first.fill(7); // the caller owns it: the spare must not be this memory
    // A second request before the preparation ran schedules no second one.
    largeBuffer(n);
    assert.equal(prepareNow(), 1, "one preparation scheduled");
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
    prepareNow();
  });
});

Deno.test("largeBuffer() does not hand a spare to a much smaller request", () => {
  withManualPrepare((prepareNow) => {
    largeBuffer(4 << 20);
    assert.equal(prepareNow(), 1);
    const small = largeBuffer(PREPARE_FROM);
    assert.equal(small.buffer.byteLength, PREPARE_FROM);
    assert.equal(small.length, PREPARE_FROM);
    prepareNow();
  });
});

Deno.test("largeBuffer() prepares the spare in a timer turn by default", async () => {
  const n = (2 << 20) + 7;
  largeBuffer(n);
  // The default scheduler's turn comes before a timer set after it; this
  // timer also keeps the event loop alive (the preparation's is unref'd).
  await within(
    new Promise((resolve) => setTimeout(resolve, 0)),
    WAIT_MS,
    "a timer turn",
  );
  const spare = largeBuffer(n);
  assert.equal(spare.buffer.byteLength, (2 << 20) + 4096);
});
