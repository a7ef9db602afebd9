/**
 * Our engine against real peers from nghttp2: our client fetching from
 * `nghttpd`, our server hit by `nghttp` and `h2load`. Children run on
 * 127.0.0.1 with fresh ports and are stopped at the end of each test. Every
 * wait is bounded: client tools are killed past {@linkcode TOOL_GUARD_MS},
 * `nghttpd` gets SIGKILL if SIGTERM does not end it.
 */

import assert from "node:assert/strict";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import {
  closedFully,
  field,
  freePort,
  get,
  pattern,
  request,
  startServer,
  waitForPort,
} from "./_helpers.ts";
import { outputWithin, stopWithin, WAIT_MS, within } from "../_bounded.ts";

/** Longest a client tool may run before it is killed (a hang guard). */
const TOOL_GUARD_MS = 30_000;

interface ToolResult {
  code: number;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs a client tool to completion; kills it and fails if it hangs. */
async function run(cmd: string, args: string[]): Promise<ToolResult> {
  const out = await outputWithin(cmd, { args }, TOOL_GUARD_MS, cmd);
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** `nghttpd` serving `dir` on a free port; stop it with `close()`. */
async function startNghttpd(
  dir: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command("nghttpd", {
    args: ["--no-tls", "-a", "127.0.0.1", "-d", dir, String(port)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const close = async () => {
    await stopWithin(child, WAIT_MS, "nghttpd");
  };
  try {
    await waitForPort(port);
  } catch (error) {
    await close();
    throw error;
  }
  return { port, close };
}

/** The lengths of DATA frames `nghttp -v` logged as received. */
function receivedDataLengths(log: string): number[] {
  return [...log.matchAll(/recv DATA frame <length=(\d+)/g)].map((m) =>
    Number(m[1])
  );
}

/** The counts of h2load's `requests:` summary line. */
function h2loadSummary(out: string): Record<string, number> {
  const line = out.split("\n").find((l) => l.startsWith("requests:"));
  assert.ok(line, `no summary in h2load output:\n${out}`);
  const counts: Record<string, number> = {};
  for (const m of line.matchAll(/(\d+) (\w+)/g)) counts[m[2]] = Number(m[1]);
  return counts;
}

// ------------------------------------------------- our client vs nghttpd

Deno.test("our client fetches a 3 MiB and small files concurrently from nghttpd", async () => {
  const dir = await Deno.makeTempDir({ prefix: "h2_nghttpd_" });
  const big = pattern(3 << 20);
  const small = new TextEncoder().encode("small file\n");
  await Deno.writeFile(`${dir}/big.bin`, big);
  await Deno.writeFile(`${dir}/small.txt`, small);
  const nghttpd = await startNghttpd(dir);
  const authority = `127.0.0.1:${nghttpd.port}`;
  const conn = await within(
    connectHttp2({ hostname: "127.0.0.1", port: nghttpd.port }),
    WAIT_MS,
    "connectHttp2 to nghttpd",
  );
  try {
    await within(conn.ready, WAIT_MS, "conn.ready");
    const paths = [
      "/big.bin",
      "/small.txt",
      "/big.bin",
      "/small.txt",
      "/small.txt",
      "/big.bin",
    ];
    const results = await Promise.all(
      paths.map((p) => request(conn, get(p, authority))),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(field(r.headers, ":status"), "200", paths[i]);
      const expected = paths[i] === "/big.bin" ? big : small;
      assert.equal(r.body.length, expected.length, paths[i]);
      assert.deepEqual(r.body, expected, paths[i]);
    }
    const missing = await request(conn, get("/nope", authority));
    assert.equal(field(missing.headers, ":status"), "404");
    // The connection is still in use after all that.
    assert.ok(Number.isFinite(await within(conn.ping(), WAIT_MS, "ping")));
  } finally {
    conn.destroy();
    await closedFully(conn);
    await nghttpd.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("our client with small receive windows still fetches 3 MiB from nghttpd", async () => {
  const dir = await Deno.makeTempDir({ prefix: "h2_nghttpd_" });
  const big = pattern(3 << 20);
  await Deno.writeFile(`${dir}/big.bin`, big);
  const nghttpd = await startNghttpd(dir);
  const conn = await within(
    connectHttp2(
      { hostname: "127.0.0.1", port: nghttpd.port },
      { initialWindowSize: 16384, connectionWindowSize: 65535 },
    ),
    WAIT_MS,
    "connectHttp2 to nghttpd",
  );
  try {
    await within(conn.ready, WAIT_MS, "conn.ready");
    const r = await request(
      conn,
      get("/big.bin", `127.0.0.1:${nghttpd.port}`),
    );
    assert.deepEqual(r.body, big);
  } finally {
    conn.destroy();
    await closedFully(conn);
    await nghttpd.close();
    await Deno.remove(dir, { recursive: true });
  }
});

// --------------------------------------------------- our server vs nghttp

Deno.test("nghttp -nv gets a response from our server", async () => {
  await using server = startServer();
  const url = `http://127.0.0.1:${server.port}/`;
  const verbose = await run("nghttp", ["-nv", url]);
  assert.equal(verbose.code, 0, verbose.stderr);
  const log = new TextDecoder().decode(verbose.stdout);
  assert.match(log, /recv HEADERS frame/);
  assert.match(log, /:status: 200/);
  const plain = await run("nghttp", [url]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(new TextDecoder().decode(plain.stdout), "hello\n");
});

Deno.test("our DATA frames to nghttp never exceed the default 16,384 max frame size", async () => {
  await using server = startServer();
  const n = 300_000;
  const out = await run("nghttp", [
    "-nv",
    `http://127.0.0.1:${server.port}/bytes/${n}`,
  ]);
  assert.equal(out.code, 0, out.stderr);
  const lengths = receivedDataLengths(new TextDecoder().decode(out.stdout));
  assert.ok(lengths.length >= Math.ceil(n / 16384));
  assert.ok(lengths.every((l) => l <= 16384), `lengths: ${lengths}`);
  assert.ok(lengths.includes(16384));
  assert.equal(lengths.reduce((a, b) => a + b, 0), n);
});

Deno.test("nghttp uploads 2 MiB to our server, which echoes it back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "h2_upload_" });
  const body = pattern(2 << 20);
  await Deno.writeFile(`${dir}/body.bin`, body);
  try {
    await using server = startServer();
    const base = `http://127.0.0.1:${server.port}`;
    const echo = await run("nghttp", ["-d", `${dir}/body.bin`, `${base}/echo`]);
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout.length, body.length);
    assert.deepEqual(echo.stdout, body);
    const count = await run("nghttp", [
      "-d",
      `${dir}/body.bin`,
      `${base}/count`,
    ]);
    assert.equal(count.code, 0, count.stderr);
    assert.equal(new TextDecoder().decode(count.stdout), String(body.length));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("h2load: 2000 requests over 2 connections × 100 streams all succeed", async () => {
  await using server = startServer();
  const out = await run("h2load", [
    "-n",
    "2000",
    "-c",
    "2",
    "-m",
    "100",
    `http://127.0.0.1:${server.port}/`,
  ]);
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text + out.stderr);
  const s = h2loadSummary(text);
  assert.equal(s.total, 2000);
  assert.equal(s.succeeded, 2000, text);
  assert.equal(s.failed, 0, text);
  assert.equal(s.errored, 0, text);
  assert.equal(s.timeout, 0, text);
  assert.match(text, /status codes: 2000 2xx/);
});

Deno.test("h2load: 50 responses of 1 MiB all succeed", async () => {
  await using server = startServer();
  const out = await run("h2load", [
    "-n",
    "50",
    "-c",
    "1",
    "-m",
    "10",
    `http://127.0.0.1:${server.port}/bytes/${1 << 20}`,
  ]);
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text + out.stderr);
  const s = h2loadSummary(text);
  assert.equal(s.succeeded, 50, text);
  assert.equal(s.failed, 0, text);
  assert.equal(s.errored, 0, text);
  // Body bytes: 50 MiB of DATA went through.
  const traffic = text.split("\n").find((l) => l.startsWith("traffic:"));
  assert.ok(traffic, text);
  const data = /\((\d+)\) data/.exec(traffic);
  assert.ok(data, traffic);
  assert.equal(Number(data[1]), 50 * (1 << 20));
});

Deno.test("h2load with small windows (-w 14 -W 16) still gets every byte", async () => {
  await using server = startServer();
  const out = await run("h2load", [
    "-n",
    "20",
    "-c",
    "1",
    "-m",
    "5",
    "-w",
    "14",
    "-W",
    "16",
    `http://127.0.0.1:${server.port}/bytes/${256 << 10}`,
  ]);
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text + out.stderr);
  const s = h2loadSummary(text);
  assert.equal(s.succeeded, 20, text);
  assert.equal(s.errored, 0, text);
});
