/**
 * examples/keepalive run as users run it (a child process, bounded), with
 * the timers scaled down: with keepalive the idle stream survives the
 * stand-in load balancer's idle timeout; with `--keepalive-ms 0` it is cut.
 * Also the stand-in itself: an idle connection is closed, a busy one not.
 */
import assert from "node:assert/strict";
import { startIdleTimeoutProxy } from "../../examples/keepalive/idle_timeout_proxy.ts";
import { outputWithin, PROCESS_MS, WAIT_MS, within } from "../_bounded.ts";

/** Runs `deno run --allow-net examples/keepalive/main.ts ...args`. */
async function run(args: string[]) {
  const out = await outputWithin(
    Deno.execPath(),
    {
      args: [
        "run",
        "--allow-net",
        new URL("../../examples/keepalive/main.ts", import.meta.url).pathname,
        ...args,
      ],
      env: { NO_COLOR: "1" },
    },
    PROCESS_MS,
    `keepalive/main.ts ${args.join(" ")}`,
  );
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

const FAST = ["--idle-ms", "1500", "--lb-idle-timeout-ms=500"];

Deno.test("examples/keepalive/main.ts: PINGs every 200 ms keep a stream idle for 1.5 s alive through a 500 ms idle timeout", async () => {
  const { code, stdout, stderr } = await run([...FAST, "--keepalive-ms=200"]);
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /client keepalive: a PING after 200 ms of silence\n/);
  assert.match(stdout, /chat: got "hello" back\n/);
  assert.match(stdout, /chat: got "still there\?" back\n/);
  assert.match(
    stdout,
    /the stream survived 1500 ms of silence \(load balancer idle closes: 0\)/,
  );
});

Deno.test("examples/keepalive/main.ts --keepalive-ms 0: the idle stream is cut (UNAVAILABLE), exit 1", async () => {
  const { code, stdout, stderr } = await run([...FAST, "--keepalive-ms", "0"]);
  assert.equal(code, 1, stdout + stderr);
  assert.match(stdout, /client keepalive: off\n/);
  assert.match(
    stdout,
    /the stream was cut: UNAVAILABLE: .*\(load balancer idle closes: 1\)/,
  );
});

Deno.test("examples/keepalive/main.ts: --help exits 0, a bad value exits 2", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task example:keepalive/);
  assert.match(help.stdout, /--keepalive-ms N/);
  const bad = await run(["--idle-ms", "soon"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--idle-ms: expected milliseconds, got "soon"/);
});

Deno.test("startIdleTimeoutProxy closes a connection idle for its timeout and forwards bytes both ways", async () => {
  const echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const echoing = (async () => {
    for await (const conn of echo) {
      const buffer = new Uint8Array(64);
      try {
        for (;;) {
          const n = await conn.read(buffer);
          if (n === null) break;
          await conn.write(buffer.subarray(0, n));
        }
      } catch {
        // Closed by the proxy.
      }
      conn.close();
    }
  })().catch(() => {});
  const proxy = startIdleTimeoutProxy(echo.addr.port, 200);
  try {
    const conn = await within(
      Deno.connect({ hostname: "127.0.0.1", port: proxy.port }),
      WAIT_MS,
      "connect",
    );
    await within(conn.write(new Uint8Array([1, 2, 3])), WAIT_MS, "write");
    const buffer = new Uint8Array(8);
    assert.equal(await within(conn.read(buffer), WAIT_MS, "echo"), 3);
    assert.deepEqual(buffer.subarray(0, 3), new Uint8Array([1, 2, 3]));
    // Silent from now on: the proxy closes both sides.
    assert.equal(await within(conn.read(buffer), WAIT_MS, "EOF"), null);
    assert.equal(proxy.idleClosed, 1);
    conn.close();
  } finally {
    await within(proxy.close(), WAIT_MS, "proxy.close()");
    echo.close();
    await within(echoing, WAIT_MS, "the echo server");
  }
});
