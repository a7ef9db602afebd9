/**
 * The run's outputs: the markdown report printed to stdout (header, main
 * table, ratios, raw TCP line, failures) and every raw number written to
 * `<out>/<date>.json`. The tables themselves are built by `_report.ts`.
 *
 * @module
 */

import type { Env } from "./_env.ts";
import { rowOf } from "./_impls.ts";
import type { MatrixResult } from "./_matrix.ts";
import type { Options } from "./_options.ts";
import { mainTable, ratioTable, summarize } from "./_report.ts";

/**
 * The markdown report of a run.
 *
 * @param o the options
 * @param started when the run started
 * @param env the machine
 * @param h2Servers the servers h2load ran against
 * @param run the records and samples
 * @returns the markdown
 */
export function reportMarkdown(
  o: Options,
  started: Date,
  env: Env,
  h2Servers: string[],
  { records, samples }: MatrixResult,
): string {
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
  return lines.join("\n");
}

/**
 * Writes every record and the summary to `<o.outDir>/<start time>.json`
 * (`-quick.json` for `--quick`).
 *
 * @param o the options
 * @param started when the run started
 * @param env the machine
 * @param run the records and samples
 * @returns the file's path
 */
export async function saveResults(
  o: Options,
  started: Date,
  env: Env,
  { records, samples }: MatrixResult,
): Promise<string> {
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
  return file;
}
