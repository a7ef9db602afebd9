import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  ManualClock,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { WAIT_MS, within } from "../_bounded.ts";

function isCode(code: Code, message?: RegExp) {
  return (e: unknown) =>
    e instanceof GrpcError && e.code === code &&
    (message === undefined || message.test(e.message));
}

Deno.test("a target its resolver cannot use fails calls with UNAVAILABLE naming it", async () => {
  await using channel = createChannel("ipv4:not-an-ip:1");
  await assert.rejects(
    within(
      createClient(Greeter, channel).sayHello({ name: "a" }),
      WAIT_MS,
      "sayHello",
    ),
    isCode(Code.UNAVAILABLE, /not-an-ip/),
  );
  assert.equal(channel.getState(), "TRANSIENT_FAILURE");
});

Deno.test("a waitForReady call on such a target waits for its deadline (no rebuild loop), and the build is retried after a backoff", async () => {
  const clock = new ManualClock();
  await using channel = createChannel("ipv4:not-an-ip:1", { clock });
  const client = createClient(Greeter, channel);
  // The deadline timer is real: a busy loop of rebuilds would starve it.
  await assert.rejects(
    within(
      client.sayHello({ name: "a" }, { waitForReady: true, timeoutMs: 100 }),
      WAIT_MS,
      "sayHello",
    ),
    isCode(Code.DEADLINE_EXCEEDED),
  );
  assert.equal(channel.getState(), "TRANSIENT_FAILURE");
  assert.equal(clock.delays[0], 1000, "INITIAL_BACKOFF before a rebuild");
  clock.advance(1000);
  assert.equal(channel.getState(), "IDLE");
});
