/**
 * The `scale` workload: does cost grow linearly with the number of calls and
 * with the number of concurrent calls?
 *
 * @module
 */

import { IMPLS, READY_TIMEOUT_MS } from "./_impls.ts";
import { kv, type Options } from "./_options.ts";
import { runJson, startServer } from "./_proc.ts";

/**
 * Does cost grow linearly? On one server: W1 with 10× the calls (ratio of
 * times, ideally 10) and W2 with 10× the concurrent calls (ratio of
 * throughputs, ideally 1).
 *
 * @param o the options
 * @param impl the implementation, client and server
 * @returns `w1_time_10x` and `w2_rate_10x`
 */
export async function runScale(
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
