/**
 * Raw Deno TCP loopback baselines, the limits gRPC numbers are compared to:
 *
 * - `deno run -A bench/raw/tcp.ts server PORT` prints `READY <port>`. Per
 *   connection, a first byte `P` makes it echo everything (ping-pong); `B`
 *   makes it a sink that answers the byte count when the client half-closes.
 * - `deno run -A bench/raw/tcp.ts client PORT pingpong size=100
 *   roundtrips=20000 warmup=2000` and `... client PORT bulk mib=1024
 *   chunk_kib=64` print one JSON line.
 *
 * @module
 */

import { parseParams, percentile, round } from "../_util.ts";

/** A client never runs longer than this, whatever its parameters. */
const HARD_LIMIT_MS = 300_000;

const [mode, portArg, workload, ...rest] = Deno.args;
const port = Number(portArg);

async function readFull(conn: Deno.Conn, buf: Uint8Array): Promise<boolean> {
  let off = 0;
  while (off < buf.length) {
    const n = await conn.read(buf.subarray(off));
    if (n === null) return false;
    off += n;
  }
  return true;
}

async function writeAll(conn: Deno.Conn, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) off += await conn.write(buf.subarray(off));
}

async function serveConn(conn: Deno.TcpConn): Promise<void> {
  try {
    conn.setNoDelay(true);
    const kind = new Uint8Array(1);
    if (!await readFull(conn, kind)) return;
    const buf = new Uint8Array(256 << 10);
    if (kind[0] === 0x50 /* P */) {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) return;
        await writeAll(conn, buf.subarray(0, n));
      }
    }
    let total = 0;
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      total += n;
    }
    const reply = new Uint8Array(8);
    new DataView(reply.buffer).setFloat64(0, total);
    await writeAll(conn, reply);
  } catch {
    // The client went away.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

async function server(): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  console.log(`READY ${(listener.addr as Deno.NetAddr).port}`);
  const stop = () => Deno.exit(0);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  for await (const conn of listener) void serveConn(conn as Deno.TcpConn);
}

async function pingpong(conn: Deno.Conn, args: string[]) {
  const p = parseParams(args, { size: 100, roundtrips: 20000, warmup: 2000 });
  await writeAll(conn, new Uint8Array([0x50]));
  const out = new Uint8Array(p.size).fill(7);
  const back = new Uint8Array(p.size);
  const lat = new Float64Array(p.roundtrips);
  let t0 = 0;
  for (let i = 0; i < p.warmup + p.roundtrips; i++) {
    if (i === p.warmup) t0 = performance.now();
    const s = performance.now();
    await writeAll(conn, out);
    if (!await readFull(conn, back)) throw new Error("server closed");
    if (i >= p.warmup) lat[i - p.warmup] = (performance.now() - s) * 1000;
  }
  const seconds = (performance.now() - t0) / 1000;
  lat.sort();
  return {
    roundtrips: p.roundtrips,
    seconds: round(seconds, 3),
    rt_per_s: round(p.roundtrips / seconds),
    p50_us: round(percentile(lat, 50)),
    p99_us: round(percentile(lat, 99)),
  };
}

async function bulk(conn: Deno.TcpConn, args: string[]) {
  const p = parseParams(args, { mib: 1024, chunk_kib: 64 });
  await writeAll(conn, new Uint8Array([0x42]));
  const chunk = new Uint8Array(p.chunk_kib << 10).fill(1);
  const total = p.mib << 20;
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += chunk.length) {
    await writeAll(
      conn,
      chunk.subarray(0, Math.min(chunk.length, total - sent)),
    );
  }
  await conn.closeWrite();
  const reply = new Uint8Array(8);
  if (!await readFull(conn, reply)) throw new Error("no byte count");
  const seconds = (performance.now() - t0) / 1000;
  const received = new DataView(reply.buffer).getFloat64(0);
  if (received !== total) throw new Error(`server got ${received} bytes`);
  return {
    bytes: total,
    seconds: round(seconds, 3),
    MB_per_s: round(total / 1e6 / seconds, 1),
  };
}

async function client(): Promise<void> {
  const watchdog = setTimeout(() => Deno.exit(3), HARD_LIMIT_MS);
  Deno.unrefTimer(watchdog);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  let result;
  if (workload === "pingpong") result = await pingpong(conn, rest);
  else if (workload === "bulk") result = await bulk(conn, rest);
  else throw new Error(`unknown workload ${workload}`);
  console.log(JSON.stringify(result));
  conn.close();
}

if (mode === "server") await server();
else if (mode === "client" && port > 0) await client();
else {
  console.error(
    "usage: tcp.ts server PORT | tcp.ts client PORT pingpong|bulk key=value...",
  );
  Deno.exit(2);
}
