/**
 * Workloads W1–W7 of the contract for one client → server pair: each run
 * against fresh servers (W7: `W7_SERVERS` of them behind one round_robin
 * channel), W5 with its idle RSS and its per-stream slope.
 *
 * @module
 */

import { IMPLS, READY_TIMEOUT_MS } from "./_impls.ts";
import { kv, type Options } from "./_options.ts";
import { runJson, type RunningServer, settle, startServer } from "./_proc.ts";

/** Pause after READY before a server's idle RSS is read. */
const IDLE_SETTLE_MS = 500;
/** W7's backends: 4 server processes, one round_robin channel over them. */
const W7_SERVERS = 4;

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

/**
 * Runs one of W1–W7 for a pair with the options' parameters; W5 runs twice
 * to add `server_kib_per_stream`.
 *
 * @param o the options
 * @param client the client's implementation
 * @param server the server's implementation
 * @param workload w1 … w7
 * @returns the client's JSON fields (and the server's RSS for W5)
 */
export async function runGrpc(
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
