// grpc-js benchmark client (bench/WORKLOADS.md contract):
//   deno run -A bench/grpcjs/client.mjs PORT WORKLOAD key=value...
//   node bench/grpcjs/client.mjs PORT WORKLOAD key=value...
// One grpc.Channel (one HTTP/2 connection) to 127.0.0.1:PORT shared by both
// service clients (W7: round_robin over its ports=P1,P2,... instead); prints
// one JSON line.
import process from "node:process";
import { readFileSync } from "node:fs";
import { Bench, Greeter, grpc } from "./_load.mjs";

/** A client never runs longer than this, whatever its parameters. */
const HARD_LIMIT_MS = 300_000;

const [portArg, workload, ...rest] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !workload) {
  console.error("usage: client.mjs PORT w1|w2|w3|w4|w5|w6|w7 key=value...");
  process.exit(2);
}
setTimeout(() => {
  console.error(`client: hard limit of ${HARD_LIMIT_MS} ms reached`);
  process.exit(3);
}, HARD_LIMIT_MS).unref();

const options = {
  "grpc.max_receive_message_length": 64 << 20,
  "grpc.max_send_message_length": 64 << 20,
};
const channel = new grpc.Channel(
  `127.0.0.1:${port}`,
  grpc.credentials.createInsecure(),
  options,
);
const greeter = new Greeter(
  `127.0.0.1:${port}`,
  grpc.credentials.createInsecure(),
  {
    channelOverride: channel,
  },
);
const bench = new Bench(
  `127.0.0.1:${port}`,
  grpc.credentials.createInsecure(),
  {
    channelOverride: channel,
  },
);

function parseParams(args, defaults) {
  const out = { ...defaults };
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (eq < 0 || !(key in defaults)) {
      throw new Error(
        `bad parameter "${arg}"; known: ${Object.keys(defaults).join(", ")}`,
      );
    }
    const value = Number(arg.slice(eq + 1));
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`bad value in "${arg}"`);
    }
    out[key] = value;
  }
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

function readRssKib(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function unary(client, method, request) {
  return new Promise((resolve, reject) =>
    client[method](
      request,
      (error, reply) => error ? reject(error) : resolve(reply),
    )
  );
}

async function sayHello() {
  const reply = await unary(greeter, "sayHello", { name: "world" });
  if (reply.message !== "Hello world") {
    throw new Error(`unexpected reply ${JSON.stringify(reply.message)}`);
  }
}

async function w1(args) {
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

async function w2(args) {
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

function streamOnce(size, durationMs) {
  return new Promise((resolve, reject) => {
    let msgs = 0;
    let bytes = 0;
    const t0 = performance.now();
    const call = bench.stream({ size, durationMs });
    call.on("data", (m) => {
      msgs++;
      bytes += m.data.length;
    });
    call.on("error", reject);
    call.on(
      "end",
      () => resolve({ msgs, bytes, seconds: (performance.now() - t0) / 1000 }),
    );
  });
}

async function w3(args) {
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

async function w4(args) {
  const p = parseParams(args, { size: 1048576, calls: 200, warmup: 10 });
  const data = Buffer.alloc(p.size);
  for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
  const echo = async () => {
    const reply = await unary(bench, "echo", { data });
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

async function w5(args) {
  const p = parseParams(args, {
    streams: 1000,
    settle_ms: 1000,
    server_pid: 0,
  });
  const calls = [];
  const firsts = [];
  const ends = [];
  const t0 = performance.now();
  for (let i = 0; i < p.streams; i++) {
    const call = bench.stream({ hold: true });
    calls.push(call);
    firsts.push(
      new Promise((resolve, reject) => {
        call.once("data", resolve);
        call.once("error", reject);
      }),
    );
    ends.push(new Promise((resolve) => call.on("status", resolve)));
  }
  await Promise.all(firsts);
  const openSeconds = (performance.now() - t0) / 1000;
  await sleep(p.settle_ms);
  const serverRss = p.server_pid > 0 ? readRssKib(p.server_pid) : -1;
  const clientRss = readRssKib("self");
  for (const call of calls) {
    call.on("error", () => {}); // CANCELLED, expected
    call.cancel();
  }
  await Promise.race([Promise.all(ends), sleep(2000)]);
  return {
    streams: p.streams,
    open_seconds: round(openSeconds, 3),
    server_rss_kib: serverRss,
    client_rss_kib: clientRss,
  };
}

function w6(args) {
  const p = parseParams(args, { size: 16, roundtrips: 10000, warmup: 1000 });
  const total = p.warmup + p.roundtrips;
  const message = { data: Buffer.alloc(p.size) };
  const lat = new Float64Array(p.roundtrips);
  return new Promise((resolve, reject) => {
    const call = bench.pingPong();
    let n = 0;
    let sent = performance.now();
    let t0 = sent;
    call.on("data", (reply) => {
      const now = performance.now();
      if (reply.data.length !== p.size) {
        reject(new Error("bad echo size"));
        return;
      }
      if (n >= p.warmup) lat[n - p.warmup] = (now - sent) * 1000;
      n++;
      if (n === p.warmup) t0 = now;
      if (n === total) {
        const seconds = (performance.now() - t0) / 1000;
        call.end();
        lat.sort();
        resolve({
          roundtrips: p.roundtrips,
          seconds: round(seconds, 3),
          rt_per_s: round(p.roundtrips / seconds),
          p50_us: round(percentile(lat, 50)),
          p99_us: round(percentile(lat, 99)),
        });
        return;
      }
      sent = performance.now();
      call.write(message);
    });
    call.on("error", reject);
    call.write(message);
  });
}

// W7: W2's workers on one channel with round_robin over several servers;
// after the measured window, one more call per worker counts the backends
// that take calls (call.getPeer(), not read during the window).
async function w7(args) {
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
  const target = `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(",")}`;
  const insecure = grpc.credentials.createInsecure();
  const rr = new grpc.Channel(target, insecure, {
    ...options,
    "grpc.service_config": JSON.stringify({
      loadBalancingConfig: [{ round_robin: {} }],
    }),
  });
  const client = new Greeter(target, insecure, { channelOverride: rr });
  const peers = new Set();
  const call = (countPeer) =>
    new Promise((resolve, reject) => {
      const c = client.sayHello({ name: "world" }, (error, reply) => {
        if (error) return reject(error);
        if (reply.message !== "Hello world") {
          return reject(new Error(`unexpected reply ${reply.message}`));
        }
        if (countPeer) peers.add(c.getPeer());
        resolve();
      });
    });
  let done = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await call(false);
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
  await Promise.all(Array.from({ length: p.concurrency }, () => call(true)));
  rr.close();
  return {
    calls,
    seconds: round(seconds, 3),
    calls_per_s: round(calls / seconds),
    backends: peers.size,
  };
}

const workloads = { w1, w2, w3, w4, w5, w6, w7 };
const run = workloads[workload];
if (!run) {
  console.error(`unknown workload ${workload}`);
  process.exit(2);
}
try {
  const result = await run(rest);
  console.log(JSON.stringify(result));
} catch (error) {
  console.error("client failed:", error);
  process.exit(1);
}
process.exit(0);
