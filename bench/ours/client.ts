/**
 * Benchmark client of this library (bench/WORKLOADS.md contract):
 * `deno run -A bench/ours/client.ts PORT WORKLOAD key=value...` runs one
 * workload over one channel (one HTTP/2 connection) to 127.0.0.1:PORT and
 * prints one JSON line; W7's channel is round_robin over the servers of its
 * `ports=P1,P2,...` parameter instead.
 *
 * @module
 */

import { createChannel, createClient } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { Bench, type Payload } from "../../gen/bench/bench_pb.ts";
import { parseParams, percentile, readRssKib, round, sleep } from "../_util.ts";
import { PickCounter } from "./_pick_counter.ts";

/** A client never runs longer than this, whatever its parameters. */
const HARD_LIMIT_MS = 300_000;

const [portArg, workload, ...rest] = Deno.args;
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !workload) {
  console.error("usage: client.ts PORT w1|w2|w3|w4|w5|w6|w7 key=value...");
  Deno.exit(2);
}
const watchdog = setTimeout(() => {
  console.error(`client: hard limit of ${HARD_LIMIT_MS} ms reached`);
  Deno.exit(3);
}, HARD_LIMIT_MS);
Deno.unrefTimer(watchdog);

const channel = createChannel(`127.0.0.1:${port}`);
const greeter = createClient(Greeter, channel);
const bench = createClient(Bench, channel);

async function sayHello(): Promise<void> {
  const reply = await greeter.sayHello({ name: "world" });
  if (reply.message !== "Hello world") {
    throw new Error(`unexpected reply ${JSON.stringify(reply.message)}`);
  }
}

async function w1(args: string[]) {
  const p = parseParams(args, { calls: 10000, warmup: 1000 });
  for (let i = 0; i < p.warmup; i++) await sayHello();
  const lat = new Float64Array(p.calls);
  const t0 = performance.now();
  for (let i = 0; i < p.calls; i++) {
    const s = performance.now();
    await sayHello();
    lat[i] = (performance.now() - s) * 1000;
  }
  const seconds = (performance.now() - t0) / 1000;
  lat.sort();
  return {
    calls: p.calls,
    seconds: round(seconds, 3),
    calls_per_s: round(p.calls / seconds),
    p50_us: round(percentile(lat, 50)),
    p99_us: round(percentile(lat, 99)),
  };
}

async function w2(args: string[]) {
  const p = parseParams(args, {
    concurrency: 64,
    duration_ms: 5000,
    warmup_ms: 1000,
  });
  let done = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await sayHello();
      done++;
    }
  };
  const workers = Array.from({ length: p.concurrency }, worker);
  await sleep(p.warmup_ms);
  const c0 = done;
  const t0 = performance.now();
  await sleep(p.duration_ms);
  const calls = done - c0;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  return {
    calls,
    seconds: round(seconds, 3),
    calls_per_s: round(calls / seconds),
  };
}

async function streamOnce(size: number, durationMs: number) {
  let msgs = 0;
  let bytes = 0;
  const t0 = performance.now();
  for await (const m of bench.stream({ size, durationMs })) {
    msgs++;
    bytes += m.data.length;
  }
  return { msgs, bytes, seconds: (performance.now() - t0) / 1000 };
}

async function w3(args: string[]) {
  const p = parseParams(args, {
    size: 1024,
    duration_ms: 5000,
    warmup_ms: 1000,
  });
  if (p.warmup_ms > 0) await streamOnce(p.size, p.warmup_ms);
  const r = await streamOnce(p.size, p.duration_ms);
  if (r.msgs > 0 && r.bytes !== r.msgs * p.size) {
    throw new Error(`received ${r.bytes} bytes in ${r.msgs} messages`);
  }
  return {
    msgs: r.msgs,
    seconds: round(r.seconds, 3),
    msgs_per_s: round(r.msgs / r.seconds),
    MB_per_s: round(r.bytes / 1e6 / r.seconds, 2),
  };
}

async function w4(args: string[]) {
  const p = parseParams(args, { size: 1048576, calls: 200, warmup: 10 });
  const data = new Uint8Array(p.size);
  for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
  const echo = async () => {
    const reply = await bench.echo({ data });
    if (reply.data.length !== p.size) {
      throw new Error(`echo returned ${reply.data.length} bytes`);
    }
  };
  for (let i = 0; i < p.warmup; i++) await echo();
  const t0 = performance.now();
  for (let i = 0; i < p.calls; i++) await echo();
  const seconds = (performance.now() - t0) / 1000;
  return {
    calls: p.calls,
    seconds: round(seconds, 3),
    calls_per_s: round(p.calls / seconds),
    MB_per_s: round(p.calls * p.size / 1e6 / seconds, 2),
  };
}

async function w5(args: string[]) {
  const p = parseParams(args, {
    streams: 1000,
    settle_ms: 1000,
    server_pid: 0,
  });
  const abort = new AbortController();
  const iterators: AsyncIterator<Payload>[] = [];
  const t0 = performance.now();
  const firsts: Promise<unknown>[] = [];
  for (let i = 0; i < p.streams; i++) {
    const it = bench.stream({ hold: true }, { signal: abort.signal })
      [Symbol.asyncIterator]();
    iterators.push(it);
    firsts.push(it.next());
  }
  await Promise.all(firsts);
  const openSeconds = (performance.now() - t0) / 1000;
  await sleep(p.settle_ms);
  const serverRss = p.server_pid > 0 ? readRssKib(p.server_pid) : -1;
  const clientRss = readRssKib("self");
  abort.abort();
  // Each stream now ends with CANCELLED; wait (bounded) for them to settle.
  await Promise.race([
    Promise.allSettled(iterators.map((it) => it.next())),
    sleep(2000),
  ]);
  return {
    streams: p.streams,
    open_seconds: round(openSeconds, 3),
    server_rss_kib: serverRss,
    client_rss_kib: clientRss,
  };
}

async function w6(args: string[]) {
  const p = parseParams(args, { size: 16, roundtrips: 10000, warmup: 1000 });
  const total = p.warmup + p.roundtrips;
  const payload = { data: new Uint8Array(p.size) };
  // The request stream yields the next message only once the previous echo
  // came back.
  let wake: (() => void) | undefined;
  async function* requests() {
    for (let i = 0; i < total; i++) {
      yield payload;
      await new Promise<void>((resolve) => wake = resolve);
    }
  }
  const lat = new Float64Array(p.roundtrips);
  let n = 0;
  let sent = performance.now();
  let t0 = sent;
  for await (const reply of bench.pingPong(requests())) {
    const now = performance.now();
    if (reply.data.length !== p.size) throw new Error("bad echo size");
    if (n >= p.warmup) lat[n - p.warmup] = (now - sent) * 1000;
    n++;
    if (n === p.warmup) t0 = now;
    if (n === total) {
      wake?.();
      break;
    }
    sent = performance.now();
    wake?.();
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

/**
 * W7: W2's 64 workers on one channel with round_robin over several servers.
 * After the measured window, one more call per worker counts the backends
 * that take calls (`PickCounter`, idle during the window).
 */
async function w7(args: string[]) {
  const portsArg = args.find((a) => a.startsWith("ports="));
  const ports = (portsArg?.slice(6) ?? String(port)).split(",").map(Number);
  if (ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) {
    throw new Error(`bad ${portsArg}`);
  }
  const p = parseParams(args.filter((a) => a !== portsArg), {
    concurrency: 64,
    duration_ms: 5000,
    warmup_ms: 1000,
  });
  const counter = new PickCounter();
  const rr = createChannel(
    `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(",")}`,
    {
      balancers: counter.registry,
      serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
    },
  );
  const client = createClient(Greeter, rr);
  const call = async () => {
    const reply = await client.sayHello({ name: "world" });
    if (reply.message !== "Hello world") {
      throw new Error(`unexpected reply ${JSON.stringify(reply.message)}`);
    }
  };
  let done = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await call();
      done++;
    }
  };
  const workers = Array.from({ length: p.concurrency }, worker);
  await sleep(p.warmup_ms);
  const c0 = done;
  const t0 = performance.now();
  await sleep(p.duration_ms);
  const calls = done - c0;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  counter.start();
  await Promise.all(Array.from({ length: p.concurrency }, call));
  await rr.close();
  return {
    calls,
    seconds: round(seconds, 3),
    calls_per_s: round(calls / seconds),
    backends: counter.picks.size,
  };
}

const workloads: Record<string, (args: string[]) => Promise<unknown>> = {
  w1,
  w2,
  w3,
  w4,
  w5,
  w6,
  w7,
};
const run = workloads[workload];
if (!run) {
  console.error(`unknown workload ${workload}`);
  Deno.exit(2);
}
try {
  const result = await run(rest);
  console.log(JSON.stringify(result));
} catch (error) {
  console.error("client failed:", error);
  Deno.exit(1);
}
Deno.exit(0);
