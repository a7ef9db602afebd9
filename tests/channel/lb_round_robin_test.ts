/**
 * round_robin end to end (issue 13's proof): 13 backend processes on
 * 127.0.0.1 … 127.0.0.13, 1,300 calls spread evenly, 3 backends SIGKILLed
 * mid-run (calls started after the kill all succeed), then restarted on their ports
 * and rejoining.
 */
import assert from "node:assert/strict";
import { codeName, createChannel, createClient, GrpcError } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { type BackendProcess, startBackend, stopAll } from "./_processes.ts";
import { ipv4Target, loopbackHosts, tally } from "./_loopback.ts";

const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };
/** Short backoff: a killed backend's subchannel retries every ≤ 200 ms. */
const FAST_BACKOFF = { initialBackoffMs: 50, maxBackoffMs: 200 };
/** Calls in flight at once while the backends die. */
const WORKERS = 8;

/** Asserts each id got `expected` calls ± 20 %. */
function assertEven(
  counts: Map<string, number>,
  ids: readonly string[],
  expected: number,
  what: string,
): void {
  const described = JSON.stringify(Object.fromEntries(counts));
  assert.deepEqual(
    [...counts.keys()].sort(),
    [...ids].sort(),
    `${what}: calls reached exactly these backends (${described})`,
  );
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    assert.ok(
      n >= expected * 0.8 && n <= expected * 1.2,
      `${what}: ${id} got ${n} calls, expected ${expected} ± 20 % (${described})`,
    );
  }
}

/** What one worker call ended with, and whether it started after the kill. */
interface Outcome {
  readonly afterKill: boolean;
  readonly id?: string;
  readonly error?: unknown;
}

function describe(error: unknown): string {
  return error instanceof GrpcError
    ? `${codeName(error.code)}: ${error.rawMessage}`
    : String(error);
}

/**
 * The scenario: 13 backends, 1,300 calls, 3 SIGKILLed while `WORKERS`
 * loops keep calling with waitForReady, 1,000 calls over the living 10,
 * the 3 restarted on their ports, 1,300 calls over all 13 again.
 *
 * @param strict fail on any failed call, even one in flight on a killed
 * connection (else those may fail with UNAVAILABLE)
 */
async function killAndRestart(strict: boolean): Promise<void> {
  const hosts = loopbackHosts(13);
  const backends: BackendProcess[] = await Promise.all(
    hosts.map((host) => startBackend(host)),
  );
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target(backends), {
        serviceConfig: ROUND_ROBIN,
        backoff: FAST_BACKOFF,
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const call = () =>
      client.sayHello({ name: "" }, { waitForReady: true, timeoutMs: WAIT_MS })
        .then((r) => r.message);
    const batches = async (n: number, what: string) => {
      const ids: string[] = [];
      for (let batch = 0; batch < n; batch++) {
        ids.push(
          ...await within(
            Promise.all(Array.from({ length: 100 }, call)),
            WAIT_MS,
            `${what}: batch ${batch} of 100 calls`,
          ),
        );
      }
      return ids;
    };

    // Every subchannel READY before counting: the picker rotates over the
    // READY ones only, and each connects at its own pace.
    const seen = new Set<string>();
    await within(
      (async () => {
        while (seen.size < 13) seen.add(await call());
      })(),
      WAIT_MS,
      "a call reaching each of the 13 backends",
    );
    assertEven(tally(await batches(13, "start")), hosts, 100, "1,300 calls");

    // SIGKILL 3 while calls keep running.
    const victims = backends.slice(4, 7);
    const victimIds = victims.map((b) => b.id);
    const living = hosts.filter((h) => !victimIds.includes(h));
    const outcomes: Outcome[] = [];
    let killed = false;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const afterKill = killed;
        try {
          outcomes.push({ afterKill, id: await call() });
        } catch (error) {
          outcomes.push({ afterKill, error });
        }
      }
    };
    const workers = Promise.all(Array.from({ length: WORKERS }, worker));
    await eventually(() => outcomes.length >= 400, WAIT_MS, "400 calls");
    await within(
      Promise.all(victims.map((b) => b.kill())),
      WAIT_MS,
      "SIGKILL of 3 backends",
    );
    killed = true;
    await eventually(
      () => outcomes.filter((o) => o.afterKill).length >= 400,
      WAIT_MS,
      "400 calls started after the kill",
    );
    stop = true;
    await within(workers, WAIT_MS, "the workers' last calls");
    const failed = (afterKill: boolean) =>
      outcomes.filter((o) => o.error !== undefined && o.afterKill === afterKill)
        .map((o) => describe(o.error));
    assert.deepEqual(
      failed(true),
      [],
      "no waitForReady call started after the kill failed",
    );
    if (strict) {
      assert.deepEqual(
        failed(false),
        [],
        "no waitForReady call in flight during the kill failed",
      );
    } else {
      for (const f of failed(false)) {
        assert.match(f, /^UNAVAILABLE: /, "an in-flight call's failure");
      }
    }
    const lateIds = outcomes.filter((o) => o.afterKill && o.id !== undefined)
      .map((o) => o.id!);
    for (const id of lateIds) assert.ok(living.includes(id), id);

    // Later calls: the living 10 only, evenly.
    assertEven(
      tally(await batches(10, "after the kill")),
      living,
      100,
      "1,000 calls over the living 10",
    );

    // Restart the 3 on their ports: they rejoin.
    const restarted = await Promise.all(
      victims.map((b) => startBackend(b.host, b.port, b.id)),
    );
    for (let i = 0; i < 3; i++) backends[4 + i] = restarted[i];
    const back = new Set<string>();
    await within(
      (async () => {
        while (victimIds.some((id) => !back.has(id))) back.add(await call());
      })(),
      WAIT_MS,
      "calls reaching the 3 restarted backends",
    );
    assertEven(
      tally(await batches(13, "after the restart")),
      hosts,
      100,
      "1,300 calls after the restart",
    );
  } finally {
    await stopAll(backends);
  }
}

Deno.test(
  "round_robin over 13 backend processes: 1,300 calls spread evenly; SIGKILL 3 mid-run: calls after it all succeed on the living 10; restarted, the 3 rejoin",
  () => killAndRestart(false),
);

// Fails today: calls in flight on a connection whose backend is SIGKILLed
// (or written to it before its reset is read) fail with UNAVAILABLE
// ("socket read failed", "socket write failed"), waitForReady or not; a few
// per run with 8 callers. grpc-go does the same without a retry policy (the
// server may have run such a call, so it is not retried transparently):
// the "no call with waitForReady fails" needs retries (a later
// issue) or a kill between calls.
Deno.test({
  name:
    "round_robin: no waitForReady call fails at all, even in flight, while 3 of 13 backends are SIGKILLed",
  ignore: true,
  fn: () => killAndRestart(true),
});
