/**
 * examples/custom_balancer: the `n_connections` policy driven by hand
 * (fake subchannels), end to end over real sockets in this process, and its
 * program run as users run it (a child process, bounded).
 */
import assert from "node:assert/strict";
import {
  BalancerRegistry,
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import {
  NConnectionsBalancer,
  nConnectionsBuilder,
  validateNConnectionsConfig,
} from "../../examples/custom_balancer/n_connections.ts";
import {
  addr,
  endpoints,
  FakeHelper,
  type FakeSubchannel,
} from "../channel/balancer/_fakes.ts";
import {
  disposeWithin,
  outputWithin,
  PROCESS_MS,
  WAIT_MS,
  within,
} from "../_bounded.ts";

const { CONNECTING, READY, TRANSIENT_FAILURE, SHUTDOWN } = ConnectivityState;

function start(n: number, ...ports: number[]) {
  const helper = new FakeHelper();
  const balancer = new NConnectionsBalancer(helper);
  balancer.updateState({
    endpoints: endpoints(...ports),
    config: { connectionsPerAddress: n },
  });
  return { helper, balancer };
}

/** The subchannels of `port` that are not shut down. */
function live(helper: FakeHelper, port: number): FakeSubchannel[] {
  return helper.subchannels.filter((sc) =>
    sc.port === port && sc.state !== SHUTDOWN
  );
}

/** Counts picks per subchannel over `n` picks. */
function spread(helper: FakeHelper, n: number): Map<FakeSubchannel, number> {
  const counts = new Map<FakeSubchannel, number>();
  for (let i = 0; i < n; i++) {
    const result = helper.pick();
    assert.equal(result.type, "complete");
    if (result.type !== "complete") continue;
    const sc = result.subchannel as FakeSubchannel;
    counts.set(sc, (counts.get(sc) ?? 0) + 1);
  }
  return counts;
}

Deno.test("n_connections makes N subchannels per address and connects them all", () => {
  const { helper } = start(4, 1, 2);
  assert.deepEqual(helper.created, [1, 1, 1, 1, 2, 2, 2, 2]);
  assert.ok(helper.subchannels.every((sc) => sc.state === CONNECTING));
  assert.deepEqual(helper.states, [CONNECTING], "one publish per update");
  assert.equal(helper.pick().type, "queue");
});

Deno.test("n_connections spreads picks evenly over the READY subchannels only", () => {
  const { helper, balancer } = start(4, 1);
  const [a, b, c, d] = helper.subchannels;
  a.ready();
  assert.equal(helper.state, READY);
  b.ready();
  c.ready();
  assert.equal(balancer.readyCount, 3);
  const three = spread(helper, 300);
  assert.deepEqual([...three.values()], [100, 100, 100]);
  assert.ok(!three.has(d));
  d.ready();
  const four = spread(helper, 400);
  assert.equal(four.size, 4);
  for (const n of four.values()) assert.equal(n, 100);
});

Deno.test("n_connections reconnects a subchannel that lost its connection and asks for re-resolution", () => {
  const { helper } = start(2, 1);
  const [a, b] = helper.subchannels;
  a.ready();
  b.ready();
  assert.equal(helper.reresolutions, 0);
  a.idle(); // connection lost
  assert.equal(helper.reresolutions, 1);
  assert.equal(a.state, CONNECTING, "reconnected at once");
  assert.equal(a.connects, 2);
  assert.equal(helper.state, READY);
  const counts = spread(helper, 10);
  assert.deepEqual([...counts.keys()], [b]);
  a.ready();
  assert.equal(spread(helper, 10).size, 2);
});

Deno.test("n_connections: every subchannel failed is a sticky TRANSIENT_FAILURE until one is READY", () => {
  const { helper } = start(2, 1);
  const [a, b] = helper.subchannels;
  a.fail("refused a");
  assert.equal(helper.state, CONNECTING);
  b.fail("refused b");
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(helper.reresolutions, 1);
  const result = helper.pick();
  assert.equal(result.type, "fail");
  if (result.type === "fail") {
    assert.equal(result.error.code, Code.UNAVAILABLE);
    assert.match(result.error.rawMessage, /refused a/);
  }
  const published = helper.states.length;
  a.idle(); // backoff over: reconnects, still failing as far as calls go
  assert.equal(a.state, CONNECTING);
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(helper.states.length, published, "no new picker");
  a.ready();
  assert.equal(helper.state, READY);
});

Deno.test("n_connections keeps the subchannels of addresses still listed, shuts down the others, follows a new N", () => {
  const { helper, balancer } = start(3, 1, 2);
  for (const sc of helper.subchannels) sc.ready();
  const kept = live(helper, 1);
  balancer.updateState({
    endpoints: endpoints(1, 3),
    config: { connectionsPerAddress: 3 },
  });
  assert.deepEqual(live(helper, 1), kept, "address 1 untouched");
  assert.equal(live(helper, 2).length, 0);
  assert.equal(live(helper, 3).length, 3);
  balancer.updateState({
    endpoints: [{ addresses: [addr(1), addr(3)] }],
    config: { connectionsPerAddress: 1 },
  });
  assert.deepEqual(live(helper, 1), [kept[0]]);
  assert.equal(live(helper, 3).length, 1);
  assert.equal(spread(helper, 10).size, 1, "only address 1 is READY");
  balancer.close();
  assert.ok(helper.subchannels.every((sc) => sc.state === SHUTDOWN));
});

Deno.test("n_connections: no addresses or a resolver error with nothing working fail calls", () => {
  const { helper, balancer } = start(2);
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(helper.reresolutions, 1);
  balancer.resolverError(new GrpcError(Code.UNAVAILABLE, "no such host"));
  const result = helper.pick();
  assert.equal(result.type, "fail");
  if (result.type === "fail") {
    assert.match(result.error.rawMessage, /no such host/);
  }
});

Deno.test("n_connections validates connectionsPerAddress; a channel rejects a bad config", () => {
  assert.equal(validateNConnectionsConfig({}), undefined);
  assert.equal(
    validateNConnectionsConfig({ connectionsPerAddress: 64 }),
    undefined,
  );
  for (const bad of [0, 65, 1.5, "4", null]) {
    assert.match(
      validateNConnectionsConfig({ connectionsPerAddress: bad }) ?? "",
      /connectionsPerAddress must be an integer from 1 to 64/,
    );
  }
  assert.match(validateNConnectionsConfig({ n: 4 }) ?? "", /unknown field n/);
  assert.throws(
    () =>
      createChannel("127.0.0.1:1", {
        balancers: new BalancerRegistry([nConnectionsBuilder]),
        serviceConfig: {
          loadBalancingConfig: [{
            n_connections: { connectionsPerAddress: 0 },
          }],
        },
      }),
    (error: unknown) =>
      error instanceof GrpcError && error.code === Code.INVALID_ARGUMENT &&
      /n_connections/.test(error.rawMessage),
  );
});

Deno.test("n_connections end to end: 3 connections to each of two servers, calls spread over all six", async () => {
  const peers = [new Map<string, number>(), new Map<string, number>()];
  const servers = peers.map((seen) =>
    new Server().add(Greeter, {
      sayHello: (request, ctx) => {
        seen.set(ctx.peer, (seen.get(ctx.peer) ?? 0) + 1);
        return { message: `Hello ${request.name}` };
      },
    })
  );
  const ports: number[] = [];
  try {
    for (const server of servers) {
      const listening = server.listen({ hostname: "127.0.0.1", port: 0 });
      ports.push(
        (await within(listening, WAIT_MS, "listen") as Deno.NetAddr).port,
      );
    }
    await using channel = disposeWithin(
      createChannel(`ipv4:127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}`, {
        balancers: new BalancerRegistry([nConnectionsBuilder]),
        serviceConfig: {
          loadBalancingConfig: [{
            n_connections: { connectionsPerAddress: 3 },
          }],
        },
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    // Once every connection is up, the rotation covers all six.
    for (let i = 0; i < 600; i++) {
      await within(
        client.sayHello({ name: "n" }, { waitForReady: true }),
        WAIT_MS,
        `call ${i}`,
      );
    }
    assert.equal(channel.getState(), READY);
    for (const seen of peers) {
      assert.equal(seen.size, 3, `peers: ${[...seen.keys()]}`);
    }
  } finally {
    for (const server of servers) {
      await within(server.shutdown(), WAIT_MS, "server.shutdown()");
    }
  }
});

/** Runs `deno run --allow-net examples/custom_balancer/main.ts ...args`. */
async function run(args: string[]) {
  const out = await outputWithin(
    Deno.execPath(),
    {
      args: [
        "run",
        "--allow-net",
        new URL("../../examples/custom_balancer/main.ts", import.meta.url)
          .pathname,
        ...args,
      ],
      env: { NO_COLOR: "1" },
    },
    PROCESS_MS,
    `custom_balancer/main.ts ${args.join(" ")}`,
  );
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

Deno.test("examples/custom_balancer/main.ts --connections 4 serves its calls over 4 connections", async () => {
  const { code, stdout, stderr } = await run([
    "--connections",
    "4",
    "--calls=200",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(
    stdout,
    /^n_connections: 4 connection\(s\) per address to 127\.0\.0\.1:\d+\n/,
  );
  assert.match(stdout, /\n200 calls served by 4 distinct connection\(s\):\n/);
  const lines = [...stdout.matchAll(/^ {2}127\.0\.0\.1:\d+ {2}(\d+) calls$/gm)];
  assert.equal(lines.length, 4);
  assert.equal(lines.reduce((sum, m) => sum + Number(m[1]), 0), 200);
});

Deno.test("examples/custom_balancer/main.ts: --help, and a bad --connections exits 2", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task example:custom-balancer/);
  assert.match(help.stdout, /--connections N/);
  const bad = await run(["--connections", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--connections: expected a positive integer/);
});
