// The benchmark programs of bench/ours keep to the bench contract: the server
// prints `READY <port>`, the client runs W1 and prints one JSON line with the
// documented fields. Tiny parameters, no timing assertions.
import assert from "node:assert/strict";
import { runJson, startServer } from "../bench/_proc.ts";

const BENCH = new URL("../bench/ours/", import.meta.url).pathname;
const DENO = Deno.execPath();

Deno.test("bench/ours server and client run W1 and print the contract's JSON line", async () => {
  const server = await startServer(
    [DENO, "run", "-A", `${BENCH}server.ts`],
    60_000,
  );
  try {
    assert.ok(server.port > 0);
    const result = await runJson(
      [
        DENO,
        "run",
        "-A",
        `${BENCH}client.ts`,
        String(server.port),
        "w1",
        "calls=50",
        "warmup=5",
      ],
      60_000,
    );
    assert.deepEqual(Object.keys(result).sort(), [
      "calls",
      "calls_per_s",
      "p50_us",
      "p99_us",
      "seconds",
    ]);
    assert.equal(result.calls, 50);
    for (const value of Object.values(result)) {
      assert.equal(typeof value, "number");
      assert.ok(Number.isFinite(value) && value >= 0);
    }
    assert.ok(result.p50_us <= result.p99_us);
  } finally {
    await server.stop();
  }
});
