// The bounded waits themselves: each fails with the name of what never came
// and leaves no timer or process behind (Deno's sanitizers check that).
import assert from "node:assert/strict";
import {
  disposeWithin,
  eventually,
  outputWithin,
  stopWithin,
  WAIT_MS,
  WaitTimeoutError,
  within,
} from "./_bounded.ts";

/** A promise that never settles. */
const never = () => new Promise<never>(() => {});

Deno.test("within() passes a value or an error through and names what never came", async () => {
  assert.equal(await within(Promise.resolve(1), WAIT_MS, "one"), 1);
  await assert.rejects(
    within(Promise.reject(new Error("boom")), WAIT_MS, "a failure"),
    /boom/,
  );
  await assert.rejects(
    within(never(), 10, "the reply"),
    (e: unknown) =>
      e instanceof WaitTimeoutError &&
      e.message === "the reply: not done within 10 ms",
  );
});

Deno.test("eventually() waits for a condition and names one that never holds", async () => {
  let n = 0;
  await eventually(() => ++n === 3, WAIT_MS, "third poll");
  assert.equal(n, 3);
  await assert.rejects(
    eventually(() => false, 10, "the impossible"),
    (e: unknown) =>
      e instanceof WaitTimeoutError && /the impossible/.test(e.message),
  );
});

Deno.test("disposeWithin() bounds a disposal that hangs without hiding the test's error", async () => {
  let disposed = false;
  {
    await using _ok = disposeWithin(
      {
        [Symbol.asyncDispose]: () => {
          disposed = true;
          return Promise.resolve();
        },
      },
      WAIT_MS,
      "a quick close",
    );
  }
  assert.ok(disposed);
  const log = console.error;
  const printed: string[] = [];
  console.error = (message: string) => printed.push(message);
  try {
    await assert.rejects(
      (async () => {
        await using _hung = disposeWithin(
          { [Symbol.asyncDispose]: never },
          10,
          "a hung close",
        );
        throw new Error("the test's own failure");
      })(),
      /the test's own failure/,
    );
  } finally {
    console.error = log;
  }
  assert.deepEqual(printed, [
    "a hung close: not done within 10 ms (left open)",
  ]);
});

Deno.test("outputWithin() returns the output, or kills a command that runs too long", async () => {
  const out = await outputWithin(
    Deno.execPath(),
    {
      args: ["eval", "console.log('hi')"],
    },
    60_000,
    "deno eval",
  );
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "hi");
  await assert.rejects(
    outputWithin(
      Deno.execPath(),
      {
        args: ["eval", "setTimeout(() => {}, 600_000)"],
      },
      200,
      "a sleeper",
    ),
    (e: unknown) =>
      e instanceof WaitTimeoutError && /a sleeper/.test(e.message),
  );
});

Deno.test("stopWithin() ends a child with SIGTERM, or SIGKILL when it ignores it", async () => {
  const polite = new Deno.Command(Deno.execPath(), {
    args: ["eval", "setTimeout(() => {}, 600_000)"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const status = await stopWithin(polite, WAIT_MS, "a sleeper");
  assert.equal(status.signal, "SIGTERM");
  const stubborn = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.addSignalListener("SIGTERM", () => {}); console.log("ready"); setTimeout(() => {}, 600_000)`,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // Wait until its SIGTERM listener is in place.
  const reader = stubborn.stdout.getReader();
  await within(reader.read(), 60_000, "the child's ready line");
  reader.releaseLock();
  await stubborn.stdout.cancel();
  const killed = await stopWithin(stubborn, 100, "a child ignoring SIGTERM");
  assert.equal(killed.signal, "SIGKILL");
});
