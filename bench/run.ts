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

import { describeEnv, ensureNodeModules } from "./_env.ts";
import { parseOptions } from "./_options.ts";
import { runMatrix } from "./_matrix.ts";
import { writeH2loadBody } from "./_baselines.ts";
import { reportMarkdown, saveResults } from "./_results.ts";
import { stopAll } from "./_proc.ts";

// The harness's parts, one concern per file:
//   _options.ts    flags, workload parameters (FULL, --quick, --set)
//   _impls.ts      the implementations' programs, default pairs, row names
//   _env.ts        tool versions, CPUs, grpc-js install for Node
//   _matrix.ts     reps × pairs × workloads, h2load, scale, raw; progress lines
//   _workloads.ts  W1–W7 against fresh servers (W7: 4 of them), W5's slope
//   _scale.ts      the scale workload
//   _baselines.ts  h2load and raw TCP
//   _results.ts    the markdown report and the results JSON (_report.ts: tables)
//   _proc.ts       child processes

async function main(): Promise<number> {
  const o = parseOptions(Deno.args);
  const started = new Date();

  const env = await describeEnv();
  const usesNode = o.pairs.some((p) => p.includes("grpcjs-node")) ||
    (o.workloads.includes("h2load") && o.impls.includes("grpcjs-node"));
  if (usesNode && (env.node === "unavailable" || !await ensureNodeModules())) {
    o.impls = o.impls.filter((i) => i !== "grpcjs-node");
    o.pairs = o.pairs.filter((p) => !p.includes("grpcjs-node"));
  }

  const h2Servers = o.workloads.includes("h2load") ? o.impls : [];
  const bodyFile = h2Servers.length > 0 ? await writeH2loadBody() : undefined;
  const run = await runMatrix(o, h2Servers, bodyFile);
  if (bodyFile) await Deno.remove(bodyFile).catch(() => {});

  console.log(reportMarkdown(o, started, env, h2Servers, run));
  if (o.save) {
    const file = await saveResults(o, started, env, run);
    console.error(`raw numbers written to ${file}`);
  }
  return run.records.some((r) => r.error !== undefined) ? 1 : 0;
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
