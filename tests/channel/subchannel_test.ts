import assert from "node:assert/strict";
import { Http2Subchannel } from "../../lib/channel/subchannel.ts";
import type { ConnectivityState } from "../../lib/channel/connectivity.ts";
import { ManualClock } from "../../lib/util/clock.ts";
import { Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** Collects a subchannel's states; `reach(s)` waits for one. */
function watch(sc: Http2Subchannel) {
  const states: ConnectivityState[] = [];
  const waiters: { state: ConnectivityState; resolve: () => void }[] = [];
  sc.addListener((state) => {
    states.push(state);
    for (const w of waiters.filter((w) => w.state === state)) w.resolve();
  });
  const reach = (state: ConnectivityState) =>
    sc.state === state ? Promise.resolve() : within(
      new Promise<void>((resolve) => waiters.push({ state, resolve })),
      WAIT_MS,
      `subchannel ${state}`,
    );
  return { states, reach };
}

async function startServer(): Promise<{ server: Server; port: number }> {
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  return { server, port: (addr as Deno.NetAddr).port };
}

Deno.test("a subchannel goes CONNECTING then READY on the server's SETTINGS, and offers its transport", async () => {
  const { server, port } = await startServer();
  const sc = new Http2Subchannel({
    address: { kind: "tcp", hostname: "127.0.0.1", port },
  });
  const { states, reach } = watch(sc);
  assert.equal(sc.state, "IDLE");
  assert.equal(sc.transport, undefined);
  sc.connect();
  await reach("READY");
  assert.deepEqual(states, ["CONNECTING", "READY"]);
  // (Read again: the assertion above narrowed the property's type.)
  const transport = sc.transport as { isAvailable: boolean } | undefined;
  assert.ok(transport?.isAvailable);
  await within(sc.close(), WAIT_MS, "sc.close()");
  assert.equal(sc.state, "SHUTDOWN");
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("the connect timeout covers a peer that accepts TCP and never sends SETTINGS; backoff then brings IDLE", async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) accepted.push(c);
  })();
  const clock = new ManualClock();
  const sc = new Http2Subchannel({
    address: {
      kind: "tcp",
      hostname: "127.0.0.1",
      port: (silent.addr as Deno.NetAddr).port,
    },
    backoff: { minConnectTimeoutMs: 5000 },
    clock,
    random: () => 0.5,
  });
  const { reach } = watch(sc);
  sc.connect();
  assert.equal(sc.state, "CONNECTING");
  assert.deepEqual(clock.delays, [5000], "the attempt's timeout");
  // Let TCP connect: the attempt then waits for SETTINGS that never come.
  await within(
    (async () => {
      while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
    })(),
    WAIT_MS,
    "TCP accept",
  );
  clock.advance(5000);
  await reach("TRANSIENT_FAILURE");
  assert.match(sc.error?.message ?? "", /timed out after 5000 ms/);
  assert.deepEqual(clock.delays, [1000], "INITIAL_BACKOFF before retrying");
  sc.connect(); // ignored during backoff
  assert.equal(sc.state, "TRANSIENT_FAILURE");
  clock.advance(1000);
  assert.equal(sc.state, "IDLE");
  await within(sc.close(), WAIT_MS, "sc.close()");
  silent.close();
  await within(accepting.catch(() => {}), WAIT_MS, "the accept loop's end");
  for (const c of accepted) {
    try {
      c.close();
    } catch { /* closed by the subchannel's side already */ }
  }
});

Deno.test("a refused connection is TRANSIENT_FAILURE with a message naming the address", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close(); // nothing listens there now
  const clock = new ManualClock();
  const sc = new Http2Subchannel({
    address: { kind: "tcp", hostname: "127.0.0.1", port },
    clock,
  });
  const { reach } = watch(sc);
  sc.connect();
  await reach("TRANSIENT_FAILURE");
  assert.match(sc.error?.message ?? "", new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.equal(sc.error?.code, 14); // UNAVAILABLE
  await within(sc.close(), WAIT_MS, "sc.close()");
});

Deno.test("GOAWAY from the server takes a READY subchannel to IDLE", async () => {
  const { server, port } = await startServer();
  const sc = new Http2Subchannel({
    address: { kind: "tcp", hostname: "127.0.0.1", port },
  });
  const { reach } = watch(sc);
  sc.connect();
  await reach("READY");
  const stopping = server.shutdown();
  await reach("IDLE");
  assert.equal(sc.transport, undefined);
  await within(stopping, WAIT_MS, "server shutdown");
  await within(sc.close(), WAIT_MS, "sc.close()");
});
