/**
 * The baselines beside the gRPC clients: h2load sending SayHello to a
 * server, and raw Deno TCP loopback (ping-pong and bulk) with no HTTP/2 or
 * gRPC at all.
 *
 * @module
 */

import { HelloRequestSchema } from "../gen/helloworld/helloworld_pb.ts";
import { create, toBinary } from "../lib/protobuf.ts";
import { encodeEnvelope } from "../lib/grpc/envelope.ts";
import { DENO, IMPLS, READY_TIMEOUT_MS, rel } from "./_impls.ts";
import { kv, type Options } from "./_options.ts";
import { runJson, runToEnd, startServer } from "./_proc.ts";

/**
 * Writes the body h2load sends: one enveloped HelloRequest{name: "world"}.
 *
 * @returns the temporary file's path (the caller removes it)
 */
export async function writeH2loadBody(): Promise<string> {
  const bodyFile = await Deno.makeTempFile({
    prefix: "sayhello-",
    suffix: ".bin",
  });
  const req = toBinary(
    HelloRequestSchema,
    create(HelloRequestSchema, { name: "world" }),
  );
  await Deno.writeFile(bodyFile, encodeEnvelope(req));
  return bodyFile;
}

/**
 * h2load against a fresh server of `server`, unary SayHello.
 *
 * @param o the options
 * @param server the server's implementation
 * @param bodyFile the request body ({@linkcode writeH2loadBody})
 * @returns `req_per_s`, `requests`, `succeeded`; throws if any request failed
 */
export async function runH2load(
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

/**
 * Raw Deno TCP loopback: bench/raw/tcp.ts ping-pong, then bulk.
 *
 * @param o the options
 * @returns the ping-pong's and the bulk run's JSON fields
 */
export async function runRaw(o: Options): Promise<Record<string, number>[]> {
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
