/**
 * Client keepalive end to end (gRFC A8), over real sockets on 127.0.0.1
 * through a TCP forwarder that plays the network: a hung path is found
 * within `timeMs + timeoutMs` (not at the call's deadline) and the channel
 * reconnects; PINGs keep an idle connection alive through an L4 idle
 * timeout; without calls there are no PINGs unless `permitWithoutCalls`.
 */
import assert from "node:assert/strict";
import {
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
} from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { startForwarder } from "./_tcp_forwarder.ts";
import { startKeepaliveServer } from "./_keepalive_server.ts";
import { AsyncQueue } from "../../lib/util/async_queue.ts";

/** Server enforcement that lets these tests ping as often as they like. */
const PERMISSIVE = { minTimeMs: 0, permitWithoutCalls: true };

Deno.test("client keepalive: a hung peer fails a streaming call with UNAVAILABLE within timeMs + timeoutMs (not at its deadline), then the channel reconnects", async () => {
  await using backend = await startKeepaliveServer({
    keepaliveEnforcement: PERMISSIVE,
  });
  await using forwarder = startForwarder(backend.port);
  const timeMs = 500;
  const timeoutMs = 500;
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${forwarder.port}`, {
      keepalive: { timeMs, timeoutMs },
      backoff: { initialBackoffMs: 20, maxBackoffMs: 100 },
    }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(RouteGuide, channel);
  const deadlineMs = 30_000;
  const features = client.listFeatures({ hi: { latitude: 1 } }, {
    timeoutMs: deadlineMs,
  })[Symbol.asyncIterator]();
  const first = await within(features.next(), WAIT_MS, "the first feature");
  assert.equal(first.value?.name, "f0");

  // The path goes silent both ways; the sockets stay open.
  forwarder.pause();
  const start = Date.now();
  const error = await within(
    features.next().then(
      () => assert.fail("the stream went on"),
      (e: unknown) => e,
    ),
    deadlineMs,
    "the call's failure",
  );
  const elapsed = Date.now() - start;
  assert.ok(error instanceof GrpcError, String(error));
  assert.equal(error.code, Code.UNAVAILABLE);
  assert.match(error.message, /keepalive ping not acknowledged within 500 ms/);
  // The task's bound: found within timeMs + timeoutMs of the silence
  // (plus scheduling slack), far from the 30 s deadline.
  assert.ok(
    elapsed < timeMs + timeoutMs + 1500,
    `failed after ${elapsed} ms`,
  );

  // The channel left the dead connection and makes a new one.
  forwarder.resume();
  const feature = await within(
    client.getFeature({ latitude: 0 }, { waitForReady: true }),
    WAIT_MS,
    "a call after the reconnect",
  );
  assert.equal(typeof feature.name, "string");
  assert.equal(forwarder.accepted, 2);
});

Deno.test("client keepalive: PINGs keep an idle bidi stream alive through an L4 idle timeout; without keepalive the stream is cut", async () => {
  await using backend = await startKeepaliveServer({
    keepaliveEnforcement: PERMISSIVE,
  });
  // An L4 load balancer closing connections silent for 600 ms (AWS ELB's
  // 60 s, scaled down).
  await using forwarder = startForwarder(backend.port, {
    idleTimeoutMs: 600,
  });
  const chat = async (keepalive: { timeMs: number } | undefined) => {
    await using channel = disposeWithin(
      createChannel(`127.0.0.1:${forwarder.port}`, { keepalive }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(RouteGuide, channel);
    const notes = new AsyncQueue<{ message: string }>();
    const replies = client.routeChat(notes)[Symbol.asyncIterator]();
    try {
      notes.push({ message: "before" });
      const before = await within(replies.next(), WAIT_MS, "first echo");
      assert.equal(before.value?.message, "before");
      // Idle for three times the load balancer's timeout.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      notes.push({ message: "after" });
      return await within(replies.next(), WAIT_MS, "second echo");
    } finally {
      notes.close();
      await replies.return?.();
    }
  };

  const kept = await chat({ timeMs: 200 });
  assert.equal(kept.value?.message, "after");
  assert.equal(forwarder.idleClosed, 0);

  await assert.rejects(chat(undefined), (e: unknown) => {
    assert.ok(e instanceof GrpcError, String(e));
    assert.equal(e.code, Code.UNAVAILABLE);
    return true;
  });
  assert.equal(forwarder.idleClosed, 1);
});

Deno.test("client keepalive: with permitWithoutCalls an idle connection is pinged (its reads stay fresh); without it, no PING while no call is open", async () => {
  await using backend = await startKeepaliveServer({
    keepaliveEnforcement: PERMISSIVE,
  });
  for (const permitWithoutCalls of [true, false]) {
    await using forwarder = startForwarder(backend.port);
    await using channel = disposeWithin(
      createChannel(`127.0.0.1:${forwarder.port}`, {
        keepalive: { timeMs: 100, permitWithoutCalls },
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(RouteGuide, channel);
    await within(client.getFeature({}), WAIT_MS, "a call to connect");
    // Let the call's last frames (WINDOW_UPDATE, SETTINGS ACK) settle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = { ...forwarder.bytes };
    if (permitWithoutCalls) {
      // A PING is 17 bytes and so is its ACK: three round trips.
      await eventually(
        () =>
          forwarder.bytes.toServer - before.toServer >= 3 * 17 &&
          forwarder.bytes.toClient - before.toClient >= 3 * 17,
        WAIT_MS,
        "three PING round trips on the idle connection",
      );
    } else {
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(forwarder.bytes, before, "no PING without calls");
    }
    assert.equal(channel.getState(), ConnectivityState.READY);
    assert.equal(forwarder.accepted, 1);
  }
});

Deno.test("client keepalive with round_robin: a hung backend's call fails fast with UNAVAILABLE and the next calls go to the other backend", async () => {
  await using a = await startKeepaliveServer({
    keepaliveEnforcement: PERMISSIVE,
  });
  await using b = await startKeepaliveServer({
    keepaliveEnforcement: PERMISSIVE,
  });
  await using toA = startForwarder(a.port);
  await using toB = startForwarder(b.port);
  await using channel = disposeWithin(
    createChannel(`ipv4:127.0.0.1:${toA.port},127.0.0.1:${toB.port}`, {
      serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
      keepalive: { timeMs: 300, timeoutMs: 300 },
      backoff: { initialBackoffMs: 20, maxBackoffMs: 100 },
    }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(RouteGuide, channel);
  // Both connections up, then a long stream on one of them.
  await within(
    (async () => {
      while (a.peers.length === 0 || b.peers.length === 0) {
        await client.getFeature({}, { waitForReady: true });
      }
    })(),
    WAIT_MS,
    "calls reaching both backends",
  );
  const features = client.listFeatures({ hi: { latitude: 1 } }, {
    timeoutMs: 30_000,
  })[Symbol.asyncIterator]();
  await within(features.next(), WAIT_MS, "the first feature");
  const [hung, healthy, path] = a.running === 1 ? [a, b, toA] : [b, a, toB];
  assert.equal(hung.running, 1);

  path.pause();
  const error = await within(
    features.next().then(
      () => assert.fail("the stream went on"),
      (e: unknown) => e,
    ),
    WAIT_MS,
    "the stream's failure",
  );
  assert.ok(error instanceof GrpcError && error.code === Code.UNAVAILABLE);
  assert.match(error.message, /keepalive/);

  const before = healthy.peers.length;
  const hungBefore = hung.peers.length;
  for (let i = 0; i < 6; i++) {
    await within(client.getFeature({}), WAIT_MS, `call ${i} after the hang`);
  }
  assert.equal(healthy.peers.length - before, 6, "all on the healthy backend");
  assert.equal(hung.peers.length, hungBefore);
});
