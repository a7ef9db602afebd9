import assert from "node:assert/strict";
import {
  RoundRobinBalancer,
  roundRobinBuilder,
  RoundRobinPicker,
} from "../../../lib/channel/balancer/round_robin.ts";
import { ConnectivityState } from "../../../lib/channel/connectivity.ts";
import {
  PICK_QUEUE,
  type Picker,
  type PickResult,
} from "../../../lib/channel/picker.ts";
import { GrpcError } from "../../../lib/grpc/grpc_error.ts";
import { Code } from "../../../lib/grpc/status.ts";
import { addr, endpoints, FakeHelper, FakeSubchannel, INFO } from "./_fakes.ts";

const { IDLE, CONNECTING, READY, TRANSIENT_FAILURE, SHUTDOWN } =
  ConnectivityState;

const PORTS_13 = Array.from({ length: 13 }, (_, i) => 5001 + i);

function start(...ports: number[]) {
  const helper = new FakeHelper();
  const balancer = new RoundRobinBalancer(helper);
  balancer.updateState({ endpoints: endpoints(...ports), config: {} });
  return { helper, balancer };
}

/** Counts picks per port over `n` picks. */
function spread(helper: FakeHelper, n: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const port = helper.pickPort();
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  return counts;
}

/** The ports picked, ascending. */
function ports(counts: Map<number, number>): number[] {
  return [...counts.keys()].sort((a, b) => a - b);
}

Deno.test("round_robin makes one subchannel per endpoint and connects them all at once", () => {
  const { helper } = start(1, 2, 3);
  assert.deepEqual(helper.created, [1, 2, 3]);
  assert.ok(helper.subchannels.every((sc) => sc.state === CONNECTING));
  assert.deepEqual(helper.states, [CONNECTING], "one publish per update");
  assert.equal(helper.pick(), PICK_QUEUE);
});

Deno.test("round_robin spreads 1,300 picks over 13 READY subchannels exactly evenly", () => {
  const { helper } = start(...PORTS_13);
  for (const port of PORTS_13) helper.live(port).ready();
  assert.equal(helper.state, READY);
  const counts = spread(helper, 1300);
  assert.equal(counts.size, 13);
  for (const port of PORTS_13) assert.equal(counts.get(port), 100);
});

Deno.test("round_robin is READY as soon as one endpoint is, and picks only READY ones", () => {
  const { helper } = start(1, 2, 3);
  helper.live(2).ready();
  assert.equal(helper.state, READY);
  assert.deepEqual(ports(spread(helper, 5)), [2]);
  helper.live(3).ready();
  assert.deepEqual(ports(spread(helper, 10)), [2, 3]);
});

Deno.test("round_robin starts each picker's rotation at a random index", () => {
  const helper = new FakeHelper();
  const balancer = roundRobinBuilder.build(helper);
  balancer.updateState({ endpoints: endpoints(1, 2, 3, 4), config: {} });
  helper.random = () => 0; // the last READY picker starts at index 0 …
  for (const port of [1, 2, 3]) helper.live(port).ready();
  helper.random = () => 0.6; // … this one at floor(0.6 × 4) = 2
  helper.live(4).ready();
  assert.deepEqual([1, 2, 3, 4, 5].map(() => helper.pickPort()), [
    3,
    4,
    1,
    2,
    3,
  ]);
});

Deno.test("round_robin skips an endpoint that lost its connection, reconnects it at once and asks for re-resolution", () => {
  const { helper } = start(1, 2, 3);
  for (const port of [1, 2, 3]) helper.live(port).ready();
  const sc2 = helper.live(2);
  sc2.idle(); // connection lost
  assert.equal(helper.reresolutions, 1, "re-resolution on leaving READY");
  assert.equal(sc2.connects, 2, "reconnected without waiting for a pick");
  assert.equal(sc2.state, CONNECTING);
  assert.equal(helper.state, READY);
  assert.deepEqual(ports(spread(helper, 20)), [1, 3]);
  sc2.fail();
  assert.deepEqual(ports(spread(helper, 20)), [1, 3]);
  sc2.idle(); // backoff over: tries again on its own
  assert.equal(sc2.connects, 3);
  sc2.ready();
  assert.deepEqual(ports(spread(helper, 30)), [1, 2, 3]);
});

Deno.test("round_robin asks for re-resolution every time a subchannel leaves READY", () => {
  const { helper } = start(1, 2);
  helper.live(1).ready();
  helper.live(2).ready();
  for (let i = 1; i <= 3; i++) {
    helper.live(1).idle();
    assert.equal(helper.reresolutions, i);
    helper.live(1).ready();
  }
  helper.live(2).idle();
  assert.equal(helper.reresolutions, 4);
});

Deno.test("round_robin: a new list adds and removes endpoints without touching the kept ones", () => {
  const { helper, balancer } = start(1, 2, 3);
  for (const port of [1, 2, 3]) helper.live(port).ready();
  const kept = [helper.live(2), helper.live(3)];
  const removed = helper.live(1);
  const published = helper.states.length;
  balancer.updateState({ endpoints: endpoints(3, 4, 2), config: {} });
  assert.equal(removed.state, SHUTDOWN);
  assert.deepEqual(kept.map((sc) => sc.state), [READY, READY]);
  assert.deepEqual(kept.map((sc) => sc.connects), [1, 1]);
  assert.deepEqual(helper.created, [1, 2, 3, 4]);
  assert.equal(helper.live(4).state, CONNECTING);
  assert.equal(helper.states.length, published + 1, "one publish");
  assert.deepEqual(ports(spread(helper, 20)), [2, 3]);
  helper.live(4).ready();
  assert.deepEqual(ports(spread(helper, 30)), [2, 3, 4]);
});

Deno.test("round_robin: the same list again changes nothing", () => {
  const { helper, balancer } = start(1, 2);
  helper.live(1).ready();
  helper.live(2).ready();
  const picker = helper.picker;
  balancer.updateState({ endpoints: endpoints(2, 1), config: {} });
  assert.equal(helper.picker, picker, "no new picker");
  assert.deepEqual(helper.created, [1, 2]);
});

Deno.test("round_robin: an endpoint with several addresses fails over between them (pick_first child)", () => {
  const helper = new FakeHelper();
  const balancer = new RoundRobinBalancer(helper);
  balancer.updateState({
    endpoints: [{ addresses: [addr(1), addr(11)] }, { addresses: [addr(2)] }],
    config: {},
  });
  assert.deepEqual(helper.created, [1, 2]);
  helper.live(1).fail();
  assert.deepEqual(helper.created, [1, 2, 11]);
  helper.live(11).ready();
  helper.live(2).ready();
  assert.deepEqual(ports(spread(helper, 10)), [2, 11]);
});

Deno.test("round_robin aggregates: CONNECTING while any connects, then TRANSIENT_FAILURE naming the failures", () => {
  const { helper } = start(1, 2, 3);
  helper.live(1).fail("refused by 1");
  helper.live(2).fail("refused by 2");
  assert.equal(helper.state, CONNECTING);
  helper.live(3).fail("refused by 3");
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(
    helper.reresolutions,
    3,
    "each endpoint failed all its addresses",
  );
  const result = helper.pick();
  assert.equal(result.type, "fail");
  assert.equal(result.error.code, Code.UNAVAILABLE);
  assert.match(result.error.message, /3 of 3 failed/);
  for (const port of [1, 2, 3]) {
    assert.match(
      result.error.message,
      new RegExp(`127\\.0\\.0\\.1:${port}: refused by ${port}`),
    );
  }
});

Deno.test("round_robin stays TRANSIENT_FAILURE while failed endpoints retry, until one is READY", () => {
  const { helper } = start(1, 2);
  helper.live(1).fail();
  helper.live(2).fail();
  assert.equal(helper.state, TRANSIENT_FAILURE);
  helper.live(1).idle(); // backoff over: reconnects
  assert.equal(helper.live(1).state, CONNECTING);
  assert.equal(helper.state, TRANSIENT_FAILURE, "sticky");
  helper.live(1).ready();
  assert.equal(helper.state, READY);
  assert.equal(helper.pickPort(), 1);
});

Deno.test("round_robin names at most three failures", () => {
  const { helper } = start(1, 2, 3, 4, 5);
  for (const port of [1, 2, 3, 4, 5]) helper.live(port).fail();
  const result = helper.pick();
  assert.equal(result.type, "fail");
  assert.match(result.error.message, /5 of 5 failed.*; and 2 more$/);
});

Deno.test("round_robin: an empty list → TRANSIENT_FAILURE, every subchannel shut down, re-resolution", () => {
  const { helper, balancer } = start(1, 2);
  helper.live(1).ready();
  balancer.updateState({ endpoints: [], config: {} });
  assert.ok(helper.subchannels.every((sc) => sc.state === SHUTDOWN));
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(helper.reresolutions, 1);
  balancer.updateState({ endpoints: endpoints(3), config: {} });
  assert.equal(helper.state, CONNECTING);
});

Deno.test("round_robin: a resolver error fails calls only when nothing works", () => {
  const helper = new FakeHelper();
  const balancer = new RoundRobinBalancer(helper);
  balancer.resolverError(new GrpcError(Code.UNAVAILABLE, "no such host"));
  assert.equal(helper.state, TRANSIENT_FAILURE);
  balancer.updateState({ endpoints: endpoints(1), config: {} });
  helper.live(1).ready();
  balancer.resolverError(new GrpcError(Code.UNAVAILABLE, "dns down"));
  assert.equal(helper.state, READY);
});

Deno.test("round_robin: close() shuts every subchannel down and publishes nothing more", () => {
  const { helper, balancer } = start(1, 2);
  helper.live(1).ready();
  balancer.close();
  assert.ok(helper.subchannels.every((sc) => sc.state === SHUTDOWN));
  const published = helper.states.length;
  balancer.updateState({ endpoints: endpoints(3), config: {} });
  balancer.exitIdle();
  assert.equal(helper.states.length, published);
  assert.equal(helper.reresolutions, 0);
});

Deno.test("RoundRobinPicker wraps its counter and allocates no result per pick", () => {
  const results: PickResult[] = [0, 1, 2].map((port) =>
    Object.freeze({
      type: "complete",
      subchannel: new FakeSubchannel(addr(port)),
    })
  );
  const pickers: Picker[] = results.map((r) => ({ pick: () => r }));
  const picker = new RoundRobinPicker(pickers, 2);
  const seen = Array.from({ length: 7 }, () => picker.pick(INFO));
  assert.deepEqual(seen.map((r) => results.indexOf(r)), [2, 0, 1, 2, 0, 1, 2]);
});

Deno.test("round_robin: an IDLE aggregate is only momentary (children leave IDLE at once)", () => {
  const { helper } = start(1);
  helper.live(1).ready();
  helper.live(1).idle();
  assert.equal(helper.states.includes(IDLE), false);
  assert.equal(helper.state, CONNECTING);
});
