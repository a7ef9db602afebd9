/**
 * The benchmark harness (`deno task bench`): runs workloads W1–W7 of
 * /work/shared/bench/WORKLOADS.md for client → server pairs of our library
 * and grpc-js (under Deno and under Node), h2load against each server and raw
 * TCP baselines; repeats, prints medians, spreads and ratios as markdown and
 * writes every raw number to bench/results/<date>.json.
 *
 * ```sh
 * deno run -A bench/run.ts                   # everything, 3 repetitions
 * deno run -A bench/run.ts --quick           # CI smoke: 1 rep, short runs
 * deno run -A bench/run.ts --reps 5 --workloads w1,w2,h2load --impls ours,grpcjs-node
 * deno run -A bench/run.ts --set w2.duration_ms=10000 --pairs ours:ours,grpcjs-node:ours
 * deno run -A bench/run.ts --workloads w7 --pairs ours:ours   # W7 only
 * ```
 *
 * W7 starts 4 servers of the pair's server side (`W7_SERVERS`), passes the
 * client `ports=P1,P2,P3,P4`, and fails the run unless the client reports
 * that all 4 backends took calls.
 *
 * Flags: `--reps N` (3), `--quick`, `--workloads LIST` (w1..w7, h2load, scale,
 * raw),
 * `--impls LIST` (ours, grpcjs-deno, grpcjs-node), `--pairs CLIENT:SERVER,...`,
 * `--set wN.key=value` (repeatable), `--timeout-s N` per client (180),
 * `--out DIR` (bench/results), `--no-save`, `--pin CPU` (run every server
 * and client on that one CPU with `taskset`: steadier A/B comparisons of two
 * builds, ±3 % instead of ±15–30 % here; not for reporting, the contract runs
 * unpinned).
 *
 * @module
 */

import { HelloRequestSchema } from "../gen/helloworld/helloworld_pb.ts";
import { create, toBinary } from "../lib/protobuf.ts";
import { encodeEnvelope } from "../lib/grpc/envelope.ts";
import {
  runJson,
  type RunningServer,
  runToEnd,
  settle,
  startServer,
  stopAll,
} from "./_proc.ts";
import {
  addSample,
  mainTable,
  ratioTable,
  type Samples,
  summarize,
} from "./_report.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const rel = (p: string) => `${ROOT}${p}`;

// Implementations ------------------------------------------------------------

interface Impl {
  server: string[];
  client: string[];
}

const DENO = Deno.execPath();
const IMPLS: Record<string, Impl> = {
  ours: {
    server: [DENO, "run", "-A", rel("bench/ours/server.ts")],
    client: [DENO, "run", "-A", rel("bench/ours/client.ts")],
  },
  "grpcjs-deno": {
    server: [DENO, "run", "-A", rel("bench/grpcjs/server.mjs")],
    client: [DENO, "run", "-A", rel("bench/grpcjs/client.mjs")],
  },
  "grpcjs-node": {
    server: ["node", rel("bench/grpcjs/server.mjs")],
    client: ["node", rel("bench/grpcjs/client.mjs")],
  },
};

const DEFAULT_PAIRS: Array<[string, string]> = [
  ["ours", "ours"],
  ["grpcjs-deno", "grpcjs-deno"],
  ["grpcjs-node", "grpcjs-node"],
  ["ours", "grpcjs-node"],
  ["grpcjs-node", "ours"],
];

// Workload parameters --------------------------------------------------------

const GRPC_WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"];
const ALL_WORKLOADS = [...GRPC_WORKLOADS, "h2load", "scale", "raw"];

type Params = Record<string, Record<string, number>>;

/** WORKLOADS.md defaults, plus h2load's and the raw baselines'. */
const FULL: Params = {
  w1: { calls: 10000, warmup: 1000 },
  w2: { concurrency: 64, duration_ms: 5000, warmup_ms: 1000 },
  w3: { size: 1024, duration_ms: 5000, warmup_ms: 1000 },
  w4: { size: 1048576, calls: 200, warmup: 10 },
  w5: { streams: 1000, settle_ms: 1000 },
  w6: { size: 16, roundtrips: 10000, warmup: 1000 },
  w7: { concurrency: 64, duration_ms: 5000, warmup_ms: 1000 },
  h2load: { duration_s: 5, warmup_s: 1, clients: 1, streams: 64 },
  scale: { calls: 1000, concurrency: 64, duration_ms: 2000 },
  raw_pingpong: { size: 100, roundtrips: 20000, warmup: 2000 },
  raw_bulk: { mib: 1024, chunk_kib: 64 },
};

/** --quick: enough to see every program work, not to measure. */
const QUICK: Params = {
  w1: { calls: 300, warmup: 50 },
  w2: { duration_ms: 500, warmup_ms: 200 },
  w3: { duration_ms: 500, warmup_ms: 200 },
  w4: { calls: 10, warmup: 2 },
  w5: { streams: 200, settle_ms: 200 },
  w6: { roundtrips: 500, warmup: 50 },
  w7: { duration_ms: 500, warmup_ms: 200 },
  h2load: { duration_s: 1, warmup_s: 1 },
  scale: { calls: 100, duration_ms: 300 },
  raw_pingpong: { roundtrips: 2000, warmup: 200 },
  raw_bulk: { mib: 128 },
};

/** How long a server gets to print READY (the first grpc-js run downloads it). */
const READY_TIMEOUT_MS = 120_000;
/** Pause after READY before a server's idle RSS is read. */
const IDLE_SETTLE_MS = 500;
/** W7's backends: 4 server processes, one round_robin channel over them. */
const W7_SERVERS = 4;

// Command line ---------------------------------------------------------------

interface Options {
  reps: number;
  quick: boolean;
  workloads: string[];
  impls: string[];
  pairs: Array<[string, string]>;
  params: Params;
  timeoutMs: number;
  outDir: string;
  save: boolean;
  /** `taskset -c CPU` in front of every program, or nothing. */
  pin: string[];
}

function usage(message: string): never {
  console.error(`run.ts: ${message}\nsee the header of bench/run.ts for flags`);
  Deno.exit(2);
}

function parseOptions(args: string[]): Options {
  let reps: number | undefined;
  let quick = false;
  let workloads = ALL_WORKLOADS;
  let impls = Object.keys(IMPLS);
  let pairs: Array<[string, string]> | undefined;
  const sets: string[] = [];
  let timeoutMs = 180_000;
  let outDir = rel("bench/results");
  let save = true;
  let pin: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? usage(`${a} needs a value`);
    const list = () => value().split(",").map((s) => s.trim()).filter(Boolean);
    if (a === "--reps") reps = Number(value());
    else if (a === "--quick") quick = true;
    else if (a === "--workloads") workloads = list();
    else if (a === "--impls") impls = list();
    else if (a === "--pairs") {
      pairs = list().map((p) => {
        const [c, s] = p.split(":");
        if (!IMPLS[c] || !IMPLS[s]) usage(`bad pair ${p}`);
        return [c, s];
      });
    } else if (a === "--set") sets.push(value());
    else if (a === "--timeout-s") timeoutMs = Number(value()) * 1000;
    else if (a === "--out") outDir = value();
    else if (a === "--no-save") save = false;
    else if (a === "--pin") {
      const cpu = value();
      if (!/^\d+$/.test(cpu)) usage(`bad --pin ${cpu}`);
      pin = ["taskset", "-c", cpu];
    } else usage(`unknown flag ${a}`);
  }
  for (const w of workloads) {
    if (!ALL_WORKLOADS.includes(w)) usage(`unknown workload ${w}`);
  }
  for (const impl of impls) if (!IMPLS[impl]) usage(`unknown impl ${impl}`);
  reps ??= quick ? 1 : 3;
  if (!Number.isInteger(reps) || reps < 1 || reps > 50) usage("bad --reps");
  if (!(timeoutMs > 0)) usage("bad --timeout-s");
  const params: Params = structuredClone(FULL);
  if (quick) {
    for (const [w, p] of Object.entries(QUICK)) Object.assign(params[w], p);
  }
  for (const s of sets) {
    const m = /^(\w+)\.(\w+)=([\d.]+)$/.exec(s);
    if (!m || !params[m[1]] || !(m[2] in params[m[1]])) usage(`bad --set ${s}`);
    params[m[1]][m[2]] = Number(m[3]);
  }
  pairs = (pairs ?? DEFAULT_PAIRS).filter(([c, s]) =>
    impls.includes(c) && impls.includes(s)
  );
  return {
    reps,
    quick,
    workloads,
    impls,
    pairs,
    params,
    timeoutMs,
    outDir,
    save,
    pin,
  };
}

// Environment ----------------------------------------------------------------

async function version(argv: string[]): Promise<string> {
  try {
    return (await runToEnd(argv, 20_000)).trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

/** Installs grpc-js for Node into bench/grpcjs/node_modules (gitignored). */
async function ensureNodeModules(): Promise<boolean> {
  const marker = rel("bench/grpcjs/node_modules/@grpc/grpc-js/package.json");
  try {
    await Deno.stat(marker);
    return true;
  } catch {
    // Not installed yet.
  }
  const versions = JSON.parse(
    await Deno.readTextFile(rel("bench/grpcjs/versions.json")),
  ) as Record<string, string>;
  console.error("installing grpc-js for Node into bench/grpcjs/node_modules");
  try {
    await runToEnd([
      "npm",
      "install",
      "--prefix",
      rel("bench/grpcjs"),
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      ...Object.entries(versions).map(([name, v]) => `${name}@${v}`),
    ], 300_000);
    return true;
  } catch (error) {
    console.error(`npm install failed, skipping grpcjs-node: ${error}`);
    return false;
  }
}

// Runs -----------------------------------------------------------------------

interface RunRecord {
  rep: number;
  row: string;
  workload: string;
  client?: string;
  server?: string;
  result?: Record<string, number>;
  error?: string;
}

const rowOf = (c: string, s: string) => `${c} → ${s}`;

function kv(p: Record<string, number>): string[] {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`);
}

/**
 * One client run against a fresh server (W7: `W7_SERVERS` fresh servers);
 * W5 also reads its idle RSS.
 */
async function runOnce(
  o: Options,
  client: string,
  server: string,
  workload: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const count = workload === "w7" ? W7_SERVERS : 1;
  const servers: RunningServer[] = [];
  try {
    // One at a time: a server's start (compilation) is not measured, and
    // parallel starts would only compete for the same two cores.
    for (let i = 0; i < count; i++) {
      servers.push(
        await startServer(
          [...o.pin, ...IMPLS[server].server],
          READY_TIMEOUT_MS,
        ),
      );
    }
    const srv = servers[0];
    const extra: Record<string, number> = {};
    const args = kv(params);
    if (workload === "w5") {
      await settle(IDLE_SETTLE_MS);
      extra.server_rss_idle_kib = srv.rssKib();
      args.push(`server_pid=${srv.pid}`);
    }
    if (workload === "w7") args.push(`ports=${servers.map((s) => s.port)}`);
    const result = await runJson(
      [...o.pin, ...IMPLS[client].client, String(srv.port), workload, ...args],
      o.timeoutMs,
    );
    if (workload === "w7" && result.backends !== count) {
      throw new Error(
        `w7: ${result.backends} of ${count} backends took calls (round_robin did not spread)`,
      );
    }
    return { ...result, ...extra };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function runGrpc(
  o: Options,
  client: string,
  server: string,
  workload: string,
): Promise<Record<string, number>> {
  const result = await runOnce(o, client, server, workload, o.params[workload]);
  if (workload === "w5" && result.server_rss_kib > 0) {
    // Cold → N held streams includes one-time warm-up (JIT code, heap
    // sizing); what one more held stream costs is the slope between a
    // fresh server holding N and another fresh server holding 3N (2N
    // streams apart, so a MiB of GC noise moves it by half a KiB).
    const n = o.params.w5.streams;
    const thrice = await runOnce(o, client, server, "w5", {
      ...o.params.w5,
      streams: 3 * n,
    });
    result.server_kib_per_stream =
      (thrice.server_rss_kib - result.server_rss_kib) / (2 * n);
  }
  return result;
}

/**
 * Does cost grow linearly? On one server: W1 with 10× the calls (ratio of
 * times, ideally 10) and W2 with 10× the concurrent calls (ratio of
 * throughputs, ideally 1).
 */
async function runScale(
  o: Options,
  impl: string,
): Promise<Record<string, number>> {
  const p = o.params.scale;
  const srv = await startServer(
    [...o.pin, ...IMPLS[impl].server],
    READY_TIMEOUT_MS,
  );
  const client = (workload: string, params: Record<string, number>) =>
    runJson(
      [
        ...o.pin,
        ...IMPLS[impl].client,
        String(srv.port),
        workload,
        ...kv(params),
      ],
      o.timeoutMs,
    );
  try {
    const w2 = (concurrency: number) =>
      client("w2", {
        concurrency,
        duration_ms: p.duration_ms,
        warmup_ms: p.duration_ms / 4,
      });
    // A long warm-up, so that JIT tiers do not make the short run look slow.
    const warmup = 5 * p.calls;
    const few = await client("w1", { calls: p.calls, warmup });
    const many = await client("w1", { calls: 10 * p.calls, warmup });
    const narrow = await w2(p.concurrency);
    const wide = await w2(10 * p.concurrency);
    return {
      w1_time_10x: many.seconds / few.seconds,
      w2_rate_10x: wide.calls_per_s / narrow.calls_per_s,
    };
  } finally {
    await srv.stop();
  }
}

async function runH2load(
  o: Options,
  server: string,
  bodyFile: string,
): Promise<Record<string, number>> {
  const p = o.params.h2load;
  const srv = await startServer(
    [...o.pin, ...IMPLS[server].server],
    READY_TIMEOUT_MS,
  );
  try {
    const out = await runToEnd([
      ...o.pin,
      "h2load",
      "-c",
      String(p.clients),
      "-m",
      String(p.streams),
      "-D",
      String(p.duration_s),
      "--warm-up-time",
      String(p.warmup_s),
      "-H",
      "content-type: application/grpc",
      "-H",
      "te: trailers",
      "-d",
      bodyFile,
      `http://127.0.0.1:${srv.port}/helloworld.Greeter/SayHello`,
    ], o.timeoutMs);
    const fin = /finished in [\d.]+\w*, ([\d.]+) req\/s/.exec(out);
    const req =
      /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/
        .exec(out);
    if (!fin || !req) throw new Error(`cannot parse h2load output:\n${out}`);
    const failed = Number(req[4]) + Number(req[5]);
    if (failed > 0) throw new Error(`h2load: ${failed} requests failed`);
    return {
      req_per_s: Number(fin[1]),
      requests: Number(req[1]),
      succeeded: Number(req[3]),
    };
  } finally {
    await srv.stop();
  }
}

async function runRaw(o: Options): Promise<Record<string, number>[]> {
  const srv = await startServer(
    [...o.pin, DENO, "run", "-A", rel("bench/raw/tcp.ts"), "server"],
    READY_TIMEOUT_MS,
  );
  try {
    const client = [
      ...o.pin,
      DENO,
      "run",
      "-A",
      rel("bench/raw/tcp.ts"),
      "client",
    ];
    const ping = await runJson(
      [...client, String(srv.port), "pingpong", ...kv(o.params.raw_pingpong)],
      o.timeoutMs,
    );
    const bulk = await runJson(
      [...client, String(srv.port), "bulk", ...kv(o.params.raw_bulk)],
      o.timeoutMs,
    );
    return [ping, bulk];
  } finally {
    await srv.stop();
  }
}

function brief(workload: string, r: Record<string, number>): string {
  const pick: Record<string, string> = {
    w1: "calls_per_s",
    w2: "calls_per_s",
    w3: "msgs_per_s",
    w4: "MB_per_s",
    w5: "server_rss_kib",
    w6: "rt_per_s",
    w7: "calls_per_s",
    h2load: "req_per_s",
    scale: "w1_time_10x",
    raw_pingpong: "rt_per_s",
    raw_bulk: "MB_per_s",
  };
  const key = pick[workload];
  return `${key}=${r[key]}`;
}

async function main(): Promise<number> {
  const o = parseOptions(Deno.args);
  const started = new Date();

  const env = {
    deno: Deno.version.deno,
    node: await version(["node", "--version"]),
    h2load: await version(["h2load", "--version"]),
    cpus: navigator.hardwareConcurrency,
    cpu_model: /model name\s*:\s*(.*)/.exec(
      await Deno.readTextFile("/proc/cpuinfo").catch(() => ""),
    )?.[1] ?? "unknown",
  };
  const usesNode = o.pairs.some((p) => p.includes("grpcjs-node")) ||
    (o.workloads.includes("h2load") && o.impls.includes("grpcjs-node"));
  if (usesNode && (env.node === "unavailable" || !await ensureNodeModules())) {
    o.impls = o.impls.filter((i) => i !== "grpcjs-node");
    o.pairs = o.pairs.filter((p) => !p.includes("grpcjs-node"));
  }

  const grpcWorkloads = o.workloads.filter((w) => GRPC_WORKLOADS.includes(w));
  const h2Servers = o.workloads.includes("h2load") ? o.impls : [];
  let bodyFile: string | undefined;
  if (h2Servers.length > 0) {
    bodyFile = await Deno.makeTempFile({ prefix: "sayhello-", suffix: ".bin" });
    const req = toBinary(
      HelloRequestSchema,
      create(HelloRequestSchema, { name: "world" }),
    );
    await Deno.writeFile(bodyFile, encodeEnvelope(req));
  }

  const records: RunRecord[] = [];
  const samples: Samples = new Map();
  const record = (rec: RunRecord, sampleRow: string, prefix = rec.workload) => {
    records.push(rec);
    const tag = `[rep ${rec.rep}/${o.reps}] ${rec.row} ${rec.workload}`;
    if (rec.error !== undefined) {
      console.error(`${tag}: FAILED ${rec.error.split("\n")[0]}`);
      return;
    }
    console.error(`${tag}: ${brief(prefix, rec.result!)}`);
    for (const [k, v] of Object.entries(rec.result!)) {
      if (typeof v === "number") {
        addSample(samples, sampleRow, `${prefix}.${k}`, v);
      }
    }
  };

  for (let rep = 1; rep <= o.reps; rep++) {
    for (const [client, server] of o.pairs) {
      const row = rowOf(client, server);
      for (const workload of grpcWorkloads) {
        const rec: RunRecord = { rep, row, workload, client, server };
        try {
          rec.result = await runGrpc(o, client, server, workload);
        } catch (error) {
          rec.error = String(error instanceof Error ? error.message : error);
        }
        record(rec, row);
      }
    }
    for (const server of h2Servers) {
      const rec: RunRecord = {
        rep,
        row: `h2load → ${server}`,
        workload: "h2load",
        server,
      };
      try {
        rec.result = await runH2load(o, server, bodyFile!);
      } catch (error) {
        rec.error = String(error instanceof Error ? error.message : error);
      }
      // h2load numbers go in the row of the server's own pair.
      record(rec, rowOf(server, server));
    }
    if (o.workloads.includes("scale")) {
      for (const impl of o.impls) {
        const rec: RunRecord = {
          rep,
          row: rowOf(impl, impl),
          workload: "scale",
          client: impl,
          server: impl,
        };
        try {
          rec.result = await runScale(o, impl);
        } catch (error) {
          rec.error = String(error instanceof Error ? error.message : error);
        }
        record(rec, rowOf(impl, impl));
      }
    }
    if (o.workloads.includes("raw")) {
      try {
        const [ping, bulk] = await runRaw(o);
        record(
          { rep, row: "raw TCP", workload: "raw_pingpong", result: ping },
          "raw TCP",
        );
        record(
          { rep, row: "raw TCP", workload: "raw_bulk", result: bulk },
          "raw TCP",
        );
      } catch (error) {
        record(
          { rep, row: "raw TCP", workload: "raw", error: String(error) },
          "raw TCP",
        );
      }
    }
  }
  if (bodyFile) await Deno.remove(bodyFile).catch(() => {});

  // Report -------------------------------------------------------------------
  const rows = [
    ...new Set([
      ...o.pairs.map(([c, s]) => rowOf(c, s)),
      ...h2Servers.map((s) => rowOf(s, s)),
      ...(o.workloads.includes("scale") ? o.impls.map((i) => rowOf(i, i)) : []),
    ]),
  ];
  const same = (i: string) => rowOf(i, i);
  const ratios: Array<[string, string, string]> = [
    ["ours / grpcjs-node", same("ours"), same("grpcjs-node")],
    ["ours / grpcjs-deno", same("ours"), same("grpcjs-deno")],
    [
      "our client (ours→node / node↔node)",
      rowOf("ours", "grpcjs-node"),
      same("grpcjs-node"),
    ],
    [
      "our server (node→ours / node↔node)",
      rowOf("grpcjs-node", "ours"),
      same("grpcjs-node"),
    ],
  ];
  const lines = [
    `## gRPC benchmarks, ${started.toISOString()}`,
    "",
    `Deno ${env.deno}, Node ${env.node}, ${env.cpus} CPUs (${env.cpu_model}); ` +
    `${o.reps} repetition(s)${o.quick ? ", --quick parameters" : ""}` +
    (o.pin.length > 0
      ? `, every process pinned to CPU ${
        o.pin[2]
      } (A/B mode, not the contract's setup). `
      : ". ") +
    "Medians, ± half the spread (max−min) in % of the median.",
    "",
    mainTable(samples, rows),
  ];
  const ratioMd = ratioTable(samples, ratios);
  if (ratioMd) {
    lines.push(
      "",
      "Ratios of medians (higher is better except µs, MiB and KiB):",
      "",
      ratioMd,
    );
  }
  const raw = summarize(samples)["raw TCP"];
  if (raw) {
    const m = (k: string) => raw[k]?.median ?? NaN;
    lines.push(
      "",
      `Raw Deno TCP loopback: ${o.params.raw_pingpong.size}-byte ping-pong ` +
        `${
          Math.round(m("raw_pingpong.rt_per_s")).toLocaleString("en-US")
        } rt/s ` +
        `(p50 ${m("raw_pingpong.p50_us")} µs); bulk ${
          Math.round(m("raw_bulk.MB_per_s")).toLocaleString("en-US")
        } MB/s.`,
    );
  }
  const failures = records.filter((r) => r.error !== undefined);
  if (failures.length > 0) {
    lines.push("", `${failures.length} run(s) failed:`);
    for (const f of failures) {
      lines.push(
        `- rep ${f.rep} ${f.row} ${f.workload}: ${f.error!.split("\n")[0]}`,
      );
    }
  }
  console.log(lines.join("\n"));

  if (o.save) {
    await Deno.mkdir(o.outDir, { recursive: true });
    const stamp = started.toISOString().replace(/:/g, "-").replace(/\..*/, "");
    const file = `${o.outDir}/${stamp}${o.quick ? "-quick" : ""}.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify(
        {
          started: started.toISOString(),
          finished: new Date().toISOString(),
          env,
          options: { ...o, outDir: undefined },
          records,
          summary: summarize(samples),
        },
        null,
        1,
      ) + "\n",
    );
    console.error(`raw numbers written to ${file}`);
  }
  return failures.length > 0 ? 1 : 0;
}

Deno.addSignalListener("SIGINT", () => {
  stopAll().finally(() => Deno.exit(130));
});
let code = 1;
try {
  code = await main();
} finally {
  await stopAll();
}
Deno.exit(code);
