/**
 * Keepalive behind an L4 load balancer, in one process: a RouteGuide server
 * with keepalive enforcement and a max connection age, a stand-in for a
 * load balancer that closes idle connections (an AWS Classic ELB's 60 s,
 * scaled down to 2 s), and a client whose channel pings every second. A
 * bidi stream stays silent for 6 s, three times the idle timeout, and then
 * exchanges a message: the PINGs kept its connection alive.
 *
 * ```sh
 * deno task example:keepalive                      # --help for the flags
 * deno task example:keepalive --keepalive-ms 0     # no PINGs: the stream is cut
 * ```
 *
 * @module
 */
import {
  codeName,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { FlagError, parseFlagsOrExit } from "../_flags.ts";
import { startIdleTimeoutProxy } from "./idle_timeout_proxy.ts";

const USAGE = `Usage: deno task example:keepalive [flags]
       deno run --allow-net examples/keepalive/main.ts [flags]

Starts a routeguide.RouteGuide server (keepalive enforcement, max connection
age), a stand-in load balancer in front of it that closes connections idle
for --lb-idle-timeout-ms, and a client channel with keepalive.timeMs
--keepalive-ms. Opens a RouteChat stream, sends a note, stays silent for
--idle-ms, sends another. Exits 0 if the stream survived, 1 if it was cut.

  --idle-ms N              silence on the stream (default 6000)
  --lb-idle-timeout-ms N   the load balancer's idle timeout (default 2000)
  --keepalive-ms N         the client's keepalive.timeMs; 0: no keepalive
                           (default 1000)
  --max-age-ms N           the server's maxConnectionAgeMs (default 60000)
  -h, --help               print this text`;

/** Reads a non-negative integer flag. */
function ms(text: string | undefined, flag: string, fallback: number) {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) {
    throw new FlagError(`${flag}: expected milliseconds, got "${text}"`);
  }
  return Number(text);
}

const options = parseFlagsOrExit(Deno.args, {
  usage: USAGE,
  string: ["idle-ms", "lb-idle-timeout-ms", "keepalive-ms", "max-age-ms"],
}, (flags) => {
  if (flags.positional.length > 0) {
    throw new FlagError(`unexpected argument ${flags.positional[0]}`);
  }
  const v = flags.values;
  return {
    idleMs: ms(v.get("idle-ms"), "--idle-ms", 6000),
    lbIdleTimeoutMs: ms(
      v.get("lb-idle-timeout-ms"),
      "--lb-idle-timeout-ms",
      2000,
    ),
    keepaliveMs: ms(v.get("keepalive-ms"), "--keepalive-ms", 1000),
    maxAgeMs: ms(v.get("max-age-ms"), "--max-age-ms", 60_000),
  };
});

// The server. In production: maxConnectionAgeMs of minutes (30 min is
// common) so that clients spread over backends added since they connected,
// a grace long enough for your longest calls, and an enforcement minimum
// at or below your clients' keepalive.timeMs: by default a client pinging
// more often than every 5 minutes gets GOAWAY ENHANCE_YOUR_CALM
// "too_many_pings" after its third PING.
const minPingMs = options.keepaliveMs > 0
  ? Math.min(options.keepaliveMs, 300_000)
  : 300_000;
const server = new Server({
  keepalive: {
    maxConnectionAgeMs: options.maxAgeMs,
    maxConnectionAgeGraceMs: 10_000,
  },
  keepaliveEnforcement: { minTimeMs: minPingMs },
}).add(RouteGuide, {
  async *routeChat(notes) {
    for await (const note of notes) yield { message: note.message };
  },
});
const { port } = await server.listen({
  hostname: "127.0.0.1",
  port: 0,
}) as Deno.NetAddr;
console.log(
  `server on 127.0.0.1:${port}: max connection age ${options.maxAgeMs} ms, ` +
    `client PINGs allowed every ${minPingMs} ms`,
);

const lb = startIdleTimeoutProxy(port, options.lbIdleTimeoutMs);
console.log(
  `load balancer on 127.0.0.1:${lb.port}: closes connections idle for ${options.lbIdleTimeoutMs} ms`,
);

// The client. Behind an AWS Classic ELB (60 s idle timeout) this would be
// `keepalive: { timeMs: 30_000 }`: below the load balancer's timeout.
const channel = createChannel(`127.0.0.1:${lb.port}`, {
  keepalive: options.keepaliveMs > 0
    ? { timeMs: options.keepaliveMs, timeoutMs: 5000 }
    : undefined,
});
console.log(
  options.keepaliveMs > 0
    ? `client keepalive: a PING after ${options.keepaliveMs} ms of silence`
    : "client keepalive: off",
);

const client = createClient(RouteGuide, channel);
const { promise: idleOver, resolve: endIdle } = Promise.withResolvers<void>();
async function* notes() {
  yield { message: "hello" };
  await idleOver;
  yield { message: "still there?" };
}
let survived = false;
try {
  let n = 0;
  for await (const note of client.routeChat(notes())) {
    console.log(`chat: got "${note.message}" back`);
    if (++n === 1) {
      console.log(`chat: silent for ${options.idleMs} ms…`);
      setTimeout(endIdle, options.idleMs);
    }
  }
  survived = n === 2;
  console.log(
    `the stream survived ${options.idleMs} ms of silence ` +
      `(load balancer idle closes: ${lb.idleClosed})`,
  );
} catch (error) {
  if (!(error instanceof GrpcError)) throw error;
  endIdle();
  console.log(
    `the stream was cut: ${codeName(error.code)}: ${error.rawMessage} ` +
      `(load balancer idle closes: ${lb.idleClosed})`,
  );
} finally {
  await channel.close();
  await lb.close();
  await server.shutdown(1000);
}
Deno.exit(survived ? 0 : 1);
