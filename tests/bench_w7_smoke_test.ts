// W7 of the bench contract with our programs: 4 servers, our client's
// round_robin channel over them, the JSON line with the documented fields,
// every backend taking calls. Tiny parameters, no timing assertions.
import assert from "node:assert/strict";
import { runJson, type RunningServer, startServer } from "../bench/_proc.ts";

const BENCH = new URL("../bench/ours/", import.meta.url).pathname;
const DENO = Deno.execPath();

Deno.test("bench/ours client runs W7 over 4 servers with round_robin and reports 4 backends", async () => {
  const servers: RunningServer[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      servers.push(
        await startServer([DENO, "run", "-A", `${BENCH}server.ts`], 60_000),
      );
    }
    const ports = servers.map((s) => s.port);
    const result = await runJson(
      [
        DENO,
        "run",
        "-A",
        `${BENCH}client.ts`,
        String(ports[0]),
        "w7",
        `ports=${ports}`,
        "concurrency=8",
        "duration_ms=200",
        "warmup_ms=50",
      ],
      60_000,
    );
    assert.deepEqual(Object.keys(result).sort(), [
      "backends",
      "calls",
      "calls_per_s",
      "seconds",
    ]);
    assert.equal(result.backends, 4);
    assert.ok(result.calls > 0);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});
