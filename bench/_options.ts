/**
 * The harness's command line: the workloads and their parameters
 * (WORKLOADS.md defaults, the `--quick` ones, `--set` overrides) and the
 * flags documented in the header of bench/run.ts.
 *
 * @module
 */

import { DEFAULT_PAIRS, IMPLS, rel } from "./_impls.ts";

/** The workloads of the contract: a client program against a server. */
export const GRPC_WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"];
/** Every `--workloads` name: the contract's, then h2load, scale and raw. */
export const ALL_WORKLOADS = [...GRPC_WORKLOADS, "h2load", "scale", "raw"];

/** Parameters by workload, then by key. */
export type Params = Record<string, Record<string, number>>;

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

/** What the command line asked for, defaults filled in. */
export interface Options {
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

/**
 * Parses the flags; on a bad one prints why and exits with status 2.
 *
 * @param args the command-line words
 * @returns the options
 */
export function parseOptions(args: string[]): Options {
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

/**
 * One workload's parameters as the `key=value` words a client program takes.
 *
 * @param p the parameters
 * @returns the words
 */
export function kv(p: Record<string, number>): string[] {
  return Object.entries(p).map(([k, v]) => `${k}=${v}`);
}
