/**
 * round_robin over grpc-js servers (issue 13's proof): four grpc-js 1.14
 * Greeter backends, each a process under Deno on its own loopback address,
 * take 400 calls evenly; one is SIGKILLed and the other three take the next
 * 300 evenly; one shut down gracefully (GOAWAY) loses its calls to the
 * remaining two without a failed call.
 */
import assert from "node:assert/strict";
import { createChannel, createClient } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";
import {
  type BackendProcess,
  GRPC_JS_BACKEND,
  startBackend,
  stopAll,
} from "./_processes.ts";
import { ipv4Target, loopbackHosts, tally } from "./_loopback.ts";

function assertEven(ids: string[], expected: string[], each: number) {
  const counts = tally(ids);
  const text = JSON.stringify(Object.fromEntries(counts));
  assert.deepEqual([...counts.keys()].sort(), [...expected].sort(), text);
  for (const [id, n] of counts) {
    assert.ok(n >= each * 0.8 && n <= each * 1.2, `${id}: ${n} (${text})`);
  }
}

Deno.test("round_robin spreads calls evenly over grpc-js backends, and leaves a killed one and a gracefully stopped one behind", async () => {
  const hosts = loopbackHosts(4);
  const backends: BackendProcess[] = await Promise.all(
    hosts.map((h) => startBackend(h, 0, `js-${h}`, GRPC_JS_BACKEND)),
  );
  const ids = backends.map((b) => b.id);
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target(backends), {
        serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
        backoff: { initialBackoffMs: 50, maxBackoffMs: 200 },
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const calls = async (n: number, what: string) =>
      (await within(
        Promise.all(
          Array.from({ length: n }, () =>
            client.sayHello({ name: "" }, {
              waitForReady: true,
              timeoutMs: WAIT_MS,
            })),
        ),
        WAIT_MS,
        what,
      )).map((r) => r.message);

    const seen = new Set<string>();
    await within(
      (async () => {
        while (seen.size < 4) for (const id of await calls(4, "")) seen.add(id);
      })(),
      WAIT_MS,
      "calls reaching the 4 grpc-js backends",
    );
    assertEven(await calls(400, "400 calls"), ids, 100);

    // SIGKILL one between calls: the next calls go to the other three.
    await backends[0].kill();
    assertEven(await calls(300, "300 calls after the kill"), ids.slice(1), 100);

    // A graceful stop (grpc-js tryShutdown: GOAWAY) while calls run.
    const stopping = backends[1].stop();
    const during = await calls(200, "200 calls during the graceful stop");
    await within(stopping, WAIT_MS, "grpc-js graceful stop");
    for (const id of during) assert.ok(ids.slice(1).includes(id), id);
    assertEven(
      await calls(200, "200 calls after the stop"),
      ids.slice(2),
      100,
    );
  } finally {
    await stopAll(backends);
  }
});
