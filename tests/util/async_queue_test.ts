import assert from "node:assert/strict";
import { AsyncQueue } from "../../lib/util/async_queue.ts";
import { deferred } from "../../lib/util/deferred.ts";
import { delay, withTimeout } from "../../lib/util/abort.ts";

Deno.test("AsyncQueue delivers pushed items in order, then ends on close()", async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  q.push(2);
  setTimeout(() => {
    q.push(3);
    q.close();
  }, 5);
  const got: number[] = [];
  for await (const n of q) got.push(n);
  assert.deepEqual(got, [1, 2, 3]);
});

Deno.test("AsyncQueue throws the fail() error after the queued items", async () => {
  const q = new AsyncQueue<string>();
  q.push("a");
  q.fail(new Error("boom"));
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const s of q) got.push(s);
  }, /boom/);
  assert.deepEqual(got, ["a"]);
});

Deno.test("AsyncQueue calls onTake for every item taken, queued or handed to a waiter", async () => {
  const q = new AsyncQueue<number>();
  let taken = 0;
  q.onTake = () => taken++;
  q.push(1);
  const waiting = (async () => {
    await q.next();
    return await q.next();
  })();
  await delay(1);
  q.push(2);
  assert.deepEqual(await waiting, { value: 2, done: false });
  assert.equal(taken, 2);
  assert.equal(q.length, 0);
});

Deno.test("AsyncQueue ignores pushes after close()", async () => {
  const q = new AsyncQueue<number>();
  q.close();
  q.push(1);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

Deno.test("deferred settles once and reports it", async () => {
  const d = deferred<number>();
  assert.equal(d.settled, false);
  d.resolve(1);
  d.resolve(2);
  d.reject(new Error("late"));
  assert.equal(d.settled, true);
  assert.equal(await d.promise, 1);
});

Deno.test("delay rejects with the signal's reason when aborted", async () => {
  const c = new AbortController();
  const p = delay(10_000, c.signal);
  c.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
});

Deno.test("withTimeout rejects with a TimeoutError when the promise is slow", async () => {
  const never = new Promise<never>(() => {});
  await assert.rejects(
    withTimeout(never, 5),
    (e: unknown) => e instanceof DOMException && e.name === "TimeoutError",
  );
  assert.equal(await withTimeout(Promise.resolve(7), 1000), 7);
});
