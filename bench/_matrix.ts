/**
 * The run matrix: every repetition of every pair × workload, then h2load
 * against each server, scale per implementation and the raw baselines;
 * each run logged to stderr as it ends and its numbers kept as samples.
 *
 * @module
 */

import { rowOf } from "./_impls.ts";
import { GRPC_WORKLOADS, type Options } from "./_options.ts";
import { addSample, type Samples } from "./_report.ts";
import { runGrpc } from "./_workloads.ts";
import { runScale } from "./_scale.ts";
import { runH2load, runRaw } from "./_baselines.ts";

/** One run as the results file keeps it: its numbers or its error. */
export interface RunRecord {
  rep: number;
  row: string;
  workload: string;
  client?: string;
  server?: string;
  result?: Record<string, number>;
  error?: string;
}

/** What the matrix produced. */
export interface MatrixResult {
  /** Every run, in order. */
  records: RunRecord[];
  /** The numbers of the runs that succeeded, by row and "workload.field". */
  samples: Samples;
}

/** The one number of a run that its stderr progress line shows. */
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

/**
 * Runs everything the options ask for, `o.reps` times.
 *
 * @param o the options
 * @param h2Servers the servers h2load runs against (none: no h2load)
 * @param bodyFile h2load's request body, when `h2Servers` is not empty
 * @returns the records and the samples
 */
export async function runMatrix(
  o: Options,
  h2Servers: string[],
  bodyFile: string | undefined,
): Promise<MatrixResult> {
  const grpcWorkloads = o.workloads.filter((w) => GRPC_WORKLOADS.includes(w));
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
  return { records, samples };
}
