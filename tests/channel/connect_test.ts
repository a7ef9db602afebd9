/**
 * A channel while it connects: a call aborted meanwhile, the connect timeout
 * against a peer that accepts TCP and never speaks HTTP/2, and the channel
 * closed meanwhile. The peer is a raw listener that never writes, so the
 * channel stays in its handshake until the test acts. Deno's sanitizers
 * check that nothing (socket, timer, pending read) outlives a test.
 */
import assert from "node:assert/strict";
import { Code, createChannel, createClient, GrpcError } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** Longer than any test here runs: only the test's own actions end a connect. */
const NO_TIMEOUT_MS = 6 * WAIT_MS;

/** A TCP listener that accepts connections and never sends a byte. */
class SilentListener implements Disposable {
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #conns: Deno.Conn[] = [];

  get target(): string {
    return `127.0.0.1:${(this.#listener.addr as Deno.NetAddr).port}`;
  }

  /** The next connection a client makes. */
  async accept(): Promise<Deno.Conn> {
    const conn = await within(this.#listener.accept(), WAIT_MS, "TCP accept");
    this.#conns.push(conn);
    return conn;
  }

  [Symbol.dispose](): void {
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Closed by the test.
      }
    }
  }
}

/** Reads (and drops) what the client sends until it closes the socket. */
async function closedByClient(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  const drain = async () => {
    try {
      while ((await conn.read(buf)) !== null) { /* the preface, GOAWAY */ }
    } catch {
      // A reset is a close too.
    }
  };
  await within(drain(), WAIT_MS, "the client closing its socket");
}

Deno.test("aborting a call while the channel connects fails it with CANCELLED at once", async () => {
  using peer = new SilentListener();
  const channel = createChannel(peer.target, {
    connectTimeoutMs: NO_TIMEOUT_MS,
  });
  const controller = new AbortController();
  const call = createClient(Greeter, channel).sayHello({ name: "x" }, {
    signal: controller.signal,
  }).catch((e) => e);
  const conn = await peer.accept(); // the channel is in its handshake
  controller.abort();
  const error = await within(call, WAIT_MS, "the aborted call's outcome");
  assert.ok(error instanceof GrpcError, `got ${error}`);
  assert.equal(error.code, Code.CANCELLED);
  // Closing the channel ends the attempt: socket closed, no timer left.
  await within(channel.close(), WAIT_MS, "channel.close()");
  await closedByClient(conn);
});

Deno.test("the connect timeout fails a call with UNAVAILABLE naming it when the server never sends SETTINGS", async () => {
  using peer = new SilentListener();
  const channel = createChannel(peer.target, { connectTimeoutMs: 200 });
  const call = createClient(Greeter, channel).sayHello({ name: "x" }).catch((
    e,
  ) => e);
  const conn = await peer.accept();
  const error = await within(call, WAIT_MS, "the call's outcome");
  assert.ok(error instanceof GrpcError, `got ${error}`);
  assert.equal(error.code, Code.UNAVAILABLE);
  // The attempt's deadline is the larger of connectTimeoutMs and the current
  // backoff (connection-backoff.md), so the number is not checked.
  assert.match(error.message, /timed out after \d+ ms/);
  // The abandoned attempt's socket is closed.
  await closedByClient(conn);
  await within(channel.close(), WAIT_MS, "channel.close()");
});

Deno.test("closing the channel while it connects fails the pending call with UNAVAILABLE and closes the socket", async () => {
  using peer = new SilentListener();
  const channel = createChannel(peer.target, {
    connectTimeoutMs: NO_TIMEOUT_MS,
  });
  const call = createClient(Greeter, channel).sayHello({ name: "x" }).catch((
    e,
  ) => e);
  const conn = await peer.accept();
  await within(channel.close(), WAIT_MS, "channel.close()");
  const error = await within(call, WAIT_MS, "the pending call's outcome");
  assert.ok(error instanceof GrpcError, `got ${error}`);
  assert.equal(error.code, Code.UNAVAILABLE);
  await closedByClient(conn);
});
