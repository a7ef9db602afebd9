import assert from "node:assert/strict";
import {
  PickFirstBalancer,
  pickFirstBuilder,
} from "../../../lib/channel/balancer/pick_first.ts";
import { ConnectivityState } from "../../../lib/channel/connectivity.ts";
import { PICK_QUEUE } from "../../../lib/channel/picker.ts";
import { GrpcError } from "../../../lib/grpc/grpc_error.ts";
import { Code } from "../../../lib/grpc/status.ts";
import { addr, endpoints, FakeHelper, flushMicrotasks } from "./_fakes.ts";

const { IDLE, CONNECTING, READY, TRANSIENT_FAILURE, SHUTDOWN } =
  ConnectivityState;

function start(...ports: number[]) {
  const helper = new FakeHelper();
  const balancer = new PickFirstBalancer(helper);
  balancer.updateState({ endpoints: endpoints(...ports), config: {} });
  return { helper, balancer };
}

/** Fails every address in turn, from the first pass's current one. */
function failAll(helper: FakeHelper, ...ports: number[]) {
  for (const port of ports) helper.live(port).fail(`refused by ${port}`);
}

Deno.test("pick_first tries addresses in order, one subchannel at a time", () => {
  const { helper } = start(1, 2, 3);
  assert.deepEqual(helper.created, [1]);
  assert.equal(helper.state, CONNECTING);
  assert.equal(helper.pick(), PICK_QUEUE);
  helper.live(1).fail();
  assert.deepEqual(helper.created, [1, 2]);
  assert.equal(helper.live(2).state, CONNECTING);
  assert.equal(helper.state, CONNECTING);
  helper.live(2).ready();
  assert.equal(helper.state, READY);
  assert.equal(helper.pickPort(), 2);
  // Sticks to the first READY: the failed one is shut down, 3 never tried.
  assert.equal(helper.subchannels[0].state, SHUTDOWN);
  assert.deepEqual(helper.created, [1, 2]);
});

Deno.test("pick_first picks return one precomputed result", () => {
  const { helper } = start(1);
  helper.live(1).ready();
  assert.equal(helper.pick(), helper.pick());
});

Deno.test("pick_first flattens endpoints in order and drops duplicate addresses", () => {
  const helper = new FakeHelper();
  const balancer = new PickFirstBalancer(helper);
  balancer.updateState({
    endpoints: [
      { addresses: [addr(1), addr(2)] },
      { addresses: [addr(2), addr(1), addr(3)] },
    ],
    config: {},
  });
  failAll(helper, 1, 2, 3);
  assert.deepEqual(helper.created, [1, 2, 3]);
  assert.equal(helper.state, TRANSIENT_FAILURE);
});

Deno.test("pick_first: all failed → TRANSIENT_FAILURE with the last error naming its address, and re-resolution", () => {
  const { helper } = start(1, 2);
  failAll(helper, 1, 2);
  assert.deepEqual(helper.states, [CONNECTING, TRANSIENT_FAILURE]);
  assert.equal(helper.reresolutions, 1);
  const result = helper.pick();
  assert.equal(result.type, "fail");
  assert.equal(result.error.code, Code.UNAVAILABLE);
  assert.match(result.error.message, /127\.0\.0\.1:2: refused by 2/);
  // Every address's reason, not only the last one's.
  assert.match(result.error.message, /all 2 addresses failed/);
  assert.match(result.error.message, /127\.0\.0\.1:1: refused by 1/);
});

Deno.test("pick_first: TRANSIENT_FAILURE is sticky while it retries each subchannel as its backoff ends", () => {
  const { helper } = start(1, 2);
  failAll(helper, 1, 2);
  const sc1 = helper.live(1);
  const sc2 = helper.live(2);
  sc1.idle(); // backoff over: reconnects at once, stays TRANSIENT_FAILURE
  assert.equal(sc1.connects, 2);
  assert.equal(sc1.state, CONNECTING);
  assert.equal(helper.state, TRANSIENT_FAILURE);
  sc1.fail("still refused");
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(helper.reresolutions, 1, "one failure is not a full round");
  sc2.idle();
  sc2.fail("refused again");
  // A full round of failures: a fresh error and another re-resolution.
  assert.equal(helper.reresolutions, 2);
  assert.deepEqual(helper.states, [
    CONNECTING,
    TRANSIENT_FAILURE,
    TRANSIENT_FAILURE,
  ]);
  const result = helper.pick();
  assert.equal(result.type, "fail");
  assert.match(result.error.message, /refused again/);
  sc1.idle();
  sc1.ready();
  assert.equal(helper.state, READY);
  assert.equal(helper.pickPort(), 1);
  assert.equal(sc2.state, SHUTDOWN);
  assert.equal(helper.states.includes(CONNECTING, 1), false);
});

Deno.test("pick_first: a failure named by a subchannel error that already names the address is kept as is", () => {
  const { helper } = start(7);
  helper.live(7).fail("failed to connect to 127.0.0.1:7: refused");
  const result = helper.pick();
  assert.equal(result.type, "fail");
  assert.equal(
    result.error.message,
    "[UNAVAILABLE] failed to connect to 127.0.0.1:7: refused",
  );
});

Deno.test("pick_first shuffles endpoints with shuffleAddressList, keeping each endpoint's address order", () => {
  const helper = new FakeHelper();
  helper.random = () => 0; // Fisher–Yates with j = 0: [a, b, c] → [b, c, a]
  const balancer = pickFirstBuilder.build(helper);
  balancer.updateState({
    endpoints: [
      { addresses: [addr(1)] },
      { addresses: [addr(2), addr(22)] },
      { addresses: [addr(3)] },
    ],
    config: { shuffleAddressList: true },
  });
  failAll(helper, 2, 22, 3, 1);
  assert.deepEqual(helper.created, [2, 22, 3, 1]);
});

Deno.test("pick_first does not shuffle without shuffleAddressList", () => {
  const helper = new FakeHelper();
  let calls = 0;
  helper.random = () => (calls++, 0);
  const balancer = pickFirstBuilder.build(helper);
  balancer.updateState({ endpoints: endpoints(1, 2, 3), config: {} });
  failAll(helper, 1, 2, 3);
  assert.deepEqual(helper.created, [1, 2, 3]);
  assert.equal(calls, 0);
});

Deno.test("pick_first: losing the READY connection → IDLE and re-resolution; the next pick reconnects", async () => {
  const { helper } = start(1, 2);
  helper.live(1).ready();
  const sc1 = helper.live(1);
  sc1.idle(); // connection lost (GOAWAY, socket closed)
  assert.equal(helper.state, IDLE);
  assert.equal(helper.reresolutions, 1);
  assert.equal(sc1.connects, 1, "no reconnect before a pick");
  assert.equal(helper.pick(), PICK_QUEUE);
  assert.equal(helper.pick(), PICK_QUEUE);
  assert.equal(sc1.connects, 1, "exitIdle runs after the pick returned");
  await flushMicrotasks();
  assert.equal(sc1.connects, 2, "two picks, one reconnect");
  assert.equal(helper.state, CONNECTING);
  sc1.ready();
  assert.equal(helper.state, READY);
  assert.equal(helper.pickPort(), 1);
});

Deno.test("pick_first reconnects from the first address after a loss", async () => {
  const { helper } = start(1, 2);
  helper.live(1).fail();
  helper.live(2).ready();
  helper.live(2).idle();
  assert.equal(helper.state, IDLE);
  helper.pick();
  await flushMicrotasks();
  assert.deepEqual(helper.created, [1, 2, 1]);
  assert.equal(helper.live(1).state, CONNECTING);
});

Deno.test("pick_first: exitIdle() from the channel reconnects too", () => {
  const { helper, balancer } = start(1);
  helper.live(1).ready();
  helper.live(1).idle();
  balancer.exitIdle();
  assert.equal(helper.live(1).state, CONNECTING);
  assert.equal(helper.state, CONNECTING);
});

Deno.test("pick_first keeps its connection when a new address list still holds it", () => {
  const { helper, balancer } = start(1, 2);
  helper.live(1).fail();
  helper.live(2).ready();
  const published = helper.states.length;
  balancer.updateState({ endpoints: endpoints(5, 2, 6), config: {} });
  assert.equal(helper.states.length, published, "nothing new published");
  assert.equal(helper.live(2).state, READY);
  assert.deepEqual(helper.created, [1, 2]);
  assert.equal(helper.pickPort(), 2);
});

Deno.test("pick_first drops its connection when the new list lacks it, and connects afresh", () => {
  const { helper, balancer } = start(1);
  helper.live(1).ready();
  const sc1 = helper.live(1);
  balancer.updateState({ endpoints: endpoints(3, 4), config: {} });
  assert.equal(sc1.state, SHUTDOWN);
  assert.equal(sc1.listenerCount, 0);
  assert.equal(helper.state, CONNECTING);
  assert.deepEqual(helper.created, [1, 3]);
});

Deno.test("pick_first: a new list in sticky TRANSIENT_FAILURE stays TRANSIENT_FAILURE and reuses subchannels in backoff", () => {
  const { helper, balancer } = start(1, 2);
  failAll(helper, 1, 2);
  balancer.updateState({ endpoints: endpoints(2, 3), config: {} });
  assert.equal(helper.subchannels[0].state, SHUTDOWN, "1 left the list");
  // 2 is still in backoff: skipped, 3 is tried.
  assert.deepEqual(helper.created, [1, 2, 3]);
  assert.equal(helper.live(3).state, CONNECTING);
  assert.equal(helper.state, TRANSIENT_FAILURE);
  helper.live(3).ready();
  assert.equal(helper.state, READY);
});

Deno.test("pick_first: an empty list → TRANSIENT_FAILURE and re-resolution; a good list afterwards connects (not sticky)", () => {
  const { helper, balancer } = start(1);
  balancer.updateState({ endpoints: [], config: {} });
  assert.equal(helper.subchannels[0].state, SHUTDOWN);
  assert.equal(helper.state, TRANSIENT_FAILURE);
  assert.equal(helper.reresolutions, 1);
  balancer.updateState({ endpoints: endpoints(2), config: {} });
  assert.equal(helper.state, CONNECTING);
});

Deno.test("pick_first: a resolver error fails calls only without a usable list", () => {
  const helper = new FakeHelper();
  const balancer = new PickFirstBalancer(helper);
  balancer.resolverError(new GrpcError(Code.UNAVAILABLE, "no such host"));
  assert.equal(helper.state, TRANSIENT_FAILURE);
  const result = helper.pick();
  assert.equal(result.type, "fail");
  assert.match(result.error.message, /name resolver error: no such host/);
  balancer.updateState({ endpoints: endpoints(1), config: {} });
  helper.live(1).ready();
  balancer.resolverError(new GrpcError(Code.UNAVAILABLE, "dns down"));
  assert.equal(helper.state, READY, "working connection kept");
});

Deno.test("pick_first: close() shuts everything down and publishes nothing more", async () => {
  const { helper, balancer } = start(1, 2);
  helper.live(1).fail();
  helper.live(2).ready();
  helper.live(2).idle();
  const idlePicker = helper.picker!;
  balancer.close();
  assert.ok(helper.subchannels.every((sc) => sc.state === SHUTDOWN));
  const published = helper.states.length;
  idlePicker.pick({ path: "/a.B/C" } as never);
  await flushMicrotasks();
  balancer.updateState({ endpoints: endpoints(3), config: {} });
  balancer.exitIdle();
  assert.equal(helper.states.length, published);
  assert.deepEqual(helper.created, [1, 2]);
});

Deno.test("pick_first ignores notifications from subchannels it shut down", () => {
  const { helper, balancer } = start(1);
  const sc1 = helper.live(1);
  balancer.updateState({ endpoints: endpoints(2), config: {} });
  assert.equal(sc1.state, SHUTDOWN);
  helper.live(2).ready();
  assert.equal(helper.pickPort(), 2);
});

Deno.test("pick_first drops a notification overtaken by a newer one (an earlier listener changed the state)", () => {
  const helper = new FakeHelper();
  // A listener ahead of the balancer's reconnects at once on IDLE: the
  // balancer then hears CONNECTING (nested) before the stale IDLE.
  helper.onCreate = (sc) =>
    sc.addListener((state) => {
      if (state === IDLE) sc.connect();
    });
  const balancer = new PickFirstBalancer(helper);
  balancer.updateState({ endpoints: endpoints(1), config: {} });
  const sc1 = helper.live(1);
  sc1.ready();
  sc1.idle();
  assert.equal(helper.reresolutions, 1, "the loss is handled once");
  assert.deepEqual(helper.states, [CONNECTING, READY, IDLE]);
  sc1.ready();
  assert.equal(helper.state, READY);
  assert.equal(helper.pickPort(), 1);
});

Deno.test("pick_first validates shuffleAddressList", () => {
  assert.equal(pickFirstBuilder.validateConfig?.({}), undefined);
  assert.equal(
    pickFirstBuilder.validateConfig?.({ shuffleAddressList: false }),
    undefined,
  );
  assert.match(
    pickFirstBuilder.validateConfig?.({ shuffleAddressList: "yes" }) ?? "",
    /boolean/,
  );
});
