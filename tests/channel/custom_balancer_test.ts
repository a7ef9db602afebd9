/**
 * A custom load-balancing policy, written here from the public API of
 * mod.ts only, registered in a per-channel BalancerRegistry and chosen by
 * `loadBalancingConfig`, end to end over real sockets (issue 13's proof):
 * "route_by_header" sends each call to the backend whose index the call's
 * metadata names, using every part of the balancer seam (subchannels and
 * their states, pickers that complete, queue and fail, "call done"
 * callbacks, re-resolution requests, its own config validated).
 */
import assert from "node:assert/strict";
import {
  type Balancer,
  type BalancerBuilder,
  BalancerRegistry,
  type BalancerState,
  type CallDoneInfo,
  type ChannelHelper,
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
  PICK_QUEUE,
  type Picker,
  type PickResult,
  type Subchannel,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { ipv4Target, startGreeter } from "./_loopback.ts";

/** What the test observes of the policy. */
interface Observed {
  built: number;
  closed: number;
  reresolutions: number;
  /** Per backend index: calls done, and how many of them failed. */
  done: Map<number, { ok: number; failed: number }>;
}

/**
 * One subchannel per address, all connected at once and reconnected when
 * they go IDLE; a call goes to the address at the index its metadata names
 * under the configured header; it queues while that one connects and fails
 * with UNAVAILABLE while it is down.
 */
class RouteByHeader implements Balancer {
  readonly #helper: ChannelHelper;
  readonly #observed: Observed;
  #header = "";
  #subchannels: Subchannel[] = [];
  #unlisten: (() => void)[] = [];
  #closed = false;

  constructor(helper: ChannelHelper, observed: Observed) {
    this.#helper = helper;
    this.#observed = observed;
  }

  updateState(state: BalancerState): void {
    this.#header = state.config.header as string;
    this.#dropAll();
    const addresses = state.endpoints.flatMap((e) => e.addresses);
    this.#subchannels = addresses.map((a) => this.#helper.createSubchannel(a));
    this.#unlisten = this.#subchannels.map((sc) =>
      sc.addListener((s) => {
        if (this.#closed || s !== sc.state) return; // overtaken
        if (s === ConnectivityState.IDLE) {
          this.#helper.requestReresolution();
          this.#observed.reresolutions++;
          sc.connect(); // reports CONNECTING, which publishes
          return;
        }
        this.#publish();
      })
    );
    this.#publish();
    for (const sc of this.#subchannels) sc.connect();
  }

  resolverError(error: GrpcError): void {
    if (this.#subchannels.length > 0) return; // keep what works
    this.#helper.updateState(ConnectivityState.TRANSIENT_FAILURE, {
      pick: () => ({ type: "fail", error }),
    });
  }

  exitIdle(): void {
    for (const sc of this.#subchannels) sc.connect();
  }

  close(): void {
    this.#closed = true;
    this.#observed.closed++;
    this.#dropAll();
  }

  #dropAll(): void {
    for (const unlisten of this.#unlisten) unlisten();
    for (const sc of this.#subchannels) sc.shutdown();
    this.#unlisten = [];
    this.#subchannels = [];
  }

  /** A new immutable picker over the subchannels' current states. */
  #publish(): void {
    const header = this.#header;
    const observed = this.#observed;
    // Everything a pick answers is computed here, once per state change.
    const results: PickResult[] = this.#subchannels.map((sc, i) => {
      switch (sc.state) {
        case ConnectivityState.READY:
          return {
            type: "complete",
            subchannel: sc,
            onCallDone: (info: CallDoneInfo) => {
              const counts = observed.done.get(i) ?? { ok: 0, failed: 0 };
              if (info.error === undefined) counts.ok++;
              else counts.failed++;
              observed.done.set(i, counts);
            },
          };
        case ConnectivityState.TRANSIENT_FAILURE:
          return {
            type: "fail",
            error: sc.error ??
              new GrpcError(Code.UNAVAILABLE, `backend ${i} is down`),
          };
        default:
          return PICK_QUEUE;
      }
    });
    const picker: Picker = {
      pick: (info) => {
        const text = info.metadata.get(header);
        const i = text === undefined ? 0 : Number(text);
        return results[i] ?? {
          type: "fail",
          error: new GrpcError(
            Code.INVALID_ARGUMENT,
            `${header}: no backend ${text}`,
          ),
        };
      },
    };
    const states = this.#subchannels.map((sc) => sc.state);
    this.#helper.updateState(
      states.includes(ConnectivityState.READY)
        ? ConnectivityState.READY
        : states.includes(ConnectivityState.CONNECTING) ||
            states.includes(ConnectivityState.IDLE)
        ? ConnectivityState.CONNECTING
        : ConnectivityState.TRANSIENT_FAILURE,
      picker,
    );
  }
}

function routeByHeader(observed: Observed): BalancerBuilder {
  return {
    name: "route_by_header",
    build: (helper) => {
      observed.built++;
      return new RouteByHeader(helper, observed);
    },
    validateConfig: (config) =>
      typeof config.header === "string" && config.header !== ""
        ? undefined
        : "header must be a non-empty string",
  };
}

Deno.test("a custom policy from mod.ts alone, in a per-channel BalancerRegistry and chosen by loadBalancingConfig, routes calls end to end", async () => {
  const servers = await Promise.all(
    ["127.0.0.1", "127.0.0.2", "127.0.0.3"].map((h) => startGreeter(h)),
  );
  const observed: Observed = {
    built: 0,
    closed: 0,
    reresolutions: 0,
    done: new Map(),
  };
  try {
    const balancers = new BalancerRegistry([routeByHeader(observed)]);
    await using channel = disposeWithin(
      createChannel(ipv4Target(servers), {
        balancers,
        serviceConfig: {
          loadBalancingConfig: [
            { not_registered_anywhere: {} },
            { route_by_header: { header: "x-backend" } },
          ],
        },
        backoff: { initialBackoffMs: 20, maxBackoffMs: 100 },
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const call = (backend: string, waitForReady = false) =>
      client.sayHello({ name: "" }, {
        metadata: { "x-backend": backend },
        waitForReady,
        timeoutMs: WAIT_MS,
      }).then((r) => r.message);

    for (let i = 0; i < 3; i++) {
      const ids = await within(
        Promise.all(Array.from({ length: 10 }, () => call(String(i)))),
        WAIT_MS,
        `10 calls to backend ${i}`,
      );
      assert.deepEqual(new Set(ids), new Set([servers[i].id]));
    }
    assert.equal(observed.built, 1);
    assert.deepEqual(
      [...observed.done].sort(),
      [[0, { ok: 10, failed: 0 }], [1, { ok: 10, failed: 0 }], [2, {
        ok: 10,
        failed: 0,
      }]],
      "onCallDone once per call",
    );

    // A pick that fails: the picker's status reaches the caller.
    await assert.rejects(
      within(call("7"), WAIT_MS, "a call to backend 7"),
      (e) => e instanceof GrpcError && e.code === Code.INVALID_ARGUMENT,
    );

    // Backend 1 goes down: the policy reconnects and asks for
    // re-resolution; calls to it fail fast once it is in
    // TRANSIENT_FAILURE, the others go on.
    servers[1].server.forceShutdown();
    await eventually(
      () => observed.reresolutions > 0,
      WAIT_MS,
      "a re-resolution request",
    );
    let code: Code | undefined;
    while (code === undefined) {
      try {
        await within(call("1"), WAIT_MS, "a call to backend 1");
      } catch (error) {
        assert.ok(error instanceof GrpcError, String(error));
        code = error.code;
      }
    }
    assert.equal(code, Code.UNAVAILABLE);
    assert.equal(await within(call("2"), WAIT_MS, "backend 2"), "127.0.0.3");

    // Back on its port: a waitForReady call gets through.
    const waiting = call("1", true);
    servers[1] = await startGreeter(servers[1].host, servers[1].port);
    assert.equal(await within(waiting, WAIT_MS, "backend 1 back"), "127.0.0.2");

    await within(channel.close(), WAIT_MS, "channel.close()");
    assert.equal(observed.closed, 1, "the policy closed with the channel");
    await eventually(
      () => servers.every((s) => s.server.connections === 0),
      WAIT_MS,
      "every connection closed",
    );
  } finally {
    await within(
      Promise.all(servers.map((s) => s.server.shutdown())),
      WAIT_MS,
      "servers' shutdown",
    );
  }
});

Deno.test("a custom policy's validateConfig makes createChannel reject an invalid config as a whole", () => {
  const observed: Observed = {
    built: 0,
    closed: 0,
    reresolutions: 0,
    done: new Map(),
  };
  assert.throws(
    () =>
      createChannel("ipv4:127.0.0.1:1", {
        balancers: new BalancerRegistry([routeByHeader(observed)]),
        serviceConfig: { loadBalancingConfig: [{ route_by_header: {} }] },
      }),
    (e) =>
      e instanceof GrpcError && e.code === Code.INVALID_ARGUMENT &&
      e.rawMessage.includes("header must be a non-empty string"),
  );
  assert.equal(observed.built, 0);
});
