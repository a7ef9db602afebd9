/**
 * pick_first end to end (issue 13's proof): it fails over to the second
 * address when the first refuses, and when the first backend's process is
 * SIGKILLed mid-run.
 */
import assert from "node:assert/strict";
import { Code, createChannel, createClient, GrpcError } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { type BackendProcess, startBackend, stopAll } from "./_processes.ts";
import { closedPort, ipv4Target, startGreeter, tally } from "./_loopback.ts";

const FAST_BACKOFF = { initialBackoffMs: 50, maxBackoffMs: 200 };

Deno.test("pick_first fails over to the second address when nothing listens on the first", async () => {
  const second = await startGreeter("127.0.0.2");
  try {
    await using channel = disposeWithin(
      createChannel(
        ipv4Target([{ host: "127.0.0.1", port: closedPort("127.0.0.1") }, {
          host: second.host,
          port: second.port,
        }]),
        { backoff: FAST_BACKOFF },
      ),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    // Fail-fast calls: the first pass is CONNECTING until an address answers,
    // and calls queue meanwhile.
    const replies = await within(
      Promise.all(
        Array.from({ length: 20 }, () => client.sayHello({ name: "" })),
      ),
      WAIT_MS,
      "20 calls",
    );
    assert.deepEqual(
      [...tally(replies.map((r) => r.message))],
      [["127.0.0.2", 20]],
    );
    assert.equal(channel.getState(), "READY");
    assert.equal(second.server.connections, 1, "one connection, to the second");
  } finally {
    await within(second.server.shutdown(), WAIT_MS, "server.shutdown()");
  }
});

Deno.test("pick_first fails over to the second backend when the first one's process is SIGKILLed mid-run, and stays there", async () => {
  const backends: BackendProcess[] = await Promise.all([
    startBackend("127.0.0.1"),
    startBackend("127.0.0.2"),
  ]);
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target(backends), { backoff: FAST_BACKOFF }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const call = (waitForReady: boolean) =>
      client.sayHello({ name: "" }, { waitForReady, timeoutMs: WAIT_MS })
        .then((r) => r.message);
    const before = await within(
      Promise.all(Array.from({ length: 50 }, () => call(true))),
      WAIT_MS,
      "50 calls",
    );
    assert.deepEqual([...tally(before)], [["127.0.0.1", 50]], "on the first");

    // Calls keep running while the first backend is killed.
    const after: string[] = [];
    const failedAfter: string[] = [];
    let killed = false;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const afterKill = killed;
        try {
          const id = await call(true);
          if (afterKill) after.push(id);
        } catch (error) {
          // In flight on the killed connection: UNAVAILABLE is all it
          // may be (see lb_round_robin_test.ts).
          if (afterKill) failedAfter.push(String(error));
          else {
            assert.ok(
              error instanceof GrpcError && error.code === Code.UNAVAILABLE,
              String(error),
            );
          }
        }
      }
    };
    const workers = Promise.all(Array.from({ length: 4 }, worker));
    await within(backends[0].kill(), WAIT_MS, "SIGKILL of the first");
    killed = true;
    await eventually(() => after.length >= 100, WAIT_MS, "100 more calls");
    stop = true;
    await within(workers, WAIT_MS, "the workers' last calls");
    assert.deepEqual(failedAfter, [], "no call started after the kill failed");
    assert.deepEqual([...tally(after)], [["127.0.0.2", after.length]]);

    // Fail-fast calls too: nothing is in TRANSIENT_FAILURE.
    const failFast = await within(
      Promise.all(Array.from({ length: 20 }, () => call(false))),
      WAIT_MS,
      "20 fail-fast calls",
    );
    assert.deepEqual([...tally(failFast)], [["127.0.0.2", 20]]);

    // The first comes back: pick_first keeps the connection it has.
    backends[0] = await startBackend("127.0.0.1", backends[0].port);
    const later = await within(
      Promise.all(Array.from({ length: 20 }, () => call(false))),
      WAIT_MS,
      "20 calls after the first came back",
    );
    assert.deepEqual([...tally(later)], [["127.0.0.2", 20]]);
  } finally {
    await stopAll(backends);
  }
});
