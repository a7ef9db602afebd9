/**
 * Our client and server in one process over an in-memory transport pair: the
 * library's JavaScript cost per unary call (W1) and per bidi round trip (W6)
 * without sockets, cross-process wake-ups or the other process's noise. The
 * tool for profiling (`--cpu-prof` attributes socket workloads to `op_write`
 * here) and for A/B comparisons of hot-path changes.
 *
 * `deno run -A bench/inproc.ts [unary|bidi] [calls]` prints µs per call for
 * five rounds.
 *
 * @module
 */

import { createClient, Server } from "../mod.ts";
import type { Subchannel } from "../lib/channel/subchannel.ts";
import type { Channel } from "../lib/channel/channel.ts";
import { Http2Connection, type Transport } from "../lib/http2/connection.ts";
import { Greeter } from "../gen/helloworld/helloworld_pb.ts";
import { Bench } from "../gen/bench/bench_pb.ts";

/** One direction of an in-memory byte pipe. */
class Pipe {
  #chunks: Uint8Array[] = [];
  #waiter: ((n: number | null) => void) | undefined;
  #target: Uint8Array | undefined;
  #closed = false;

  write(p: Uint8Array): number {
    if (this.#waiter && this.#target) {
      const n = Math.min(p.length, this.#target.length);
      this.#target.set(p.subarray(0, n));
      if (n < p.length) this.#chunks.push(p.slice(n));
      const w = this.#waiter;
      this.#waiter = this.#target = undefined;
      w(n);
    } else this.#chunks.push(p.slice());
    return p.length;
  }

  read(p: Uint8Array): Promise<number | null> {
    if (this.#chunks.length > 0) {
      let n = 0;
      while (this.#chunks.length > 0 && n < p.length) {
        const c = this.#chunks[0];
        const k = Math.min(c.length, p.length - n);
        p.set(c.subarray(0, k), n);
        n += k;
        if (k === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(k);
      }
      return Promise.resolve(n);
    }
    if (this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#target = p;
    });
  }

  close(): void {
    this.#closed = true;
    const w = this.#waiter;
    this.#waiter = this.#target = undefined;
    w?.(null);
  }
}

function transportPair(): [Transport, Transport] {
  const ab = new Pipe();
  const ba = new Pipe();
  const end = (rd: Pipe, wr: Pipe): Transport => ({
    read: (p) => rd.read(p),
    write: (p) => Promise.resolve(wr.write(p)),
    close: () => {
      ab.close();
      ba.close();
    },
  });
  return [end(ba, ab), end(ab, ba)];
}

const [mode = "unary", callsArg = "20000"] = Deno.args;
const calls = Number(callsArg);

const server = new Server()
  .add(Greeter, { sayHello: (req) => ({ message: `Hello ${req.name}` }) })
  .add(Bench, {
    async *pingPong(requests) {
      for await (const message of requests) yield message;
    },
  });
const [clientEnd, serverEnd] = transportPair();
const fakeConn = Object.assign(serverEnd, {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
}) as unknown as Deno.Conn;
server.serveConnection(fakeConn);
const conn = new Http2Connection(clientEnd, { role: "client" });
await conn.ready;
// A channel whose picker always answers with the one in-process connection.
const picked = {
  type: "complete",
  subchannel: { transport: conn } as unknown as Subchannel,
} as const;
const picker = { pick: () => picked };
const channel: Channel = {
  target: "inproc",
  authority: "inproc",
  scheme: "http",
  picker,
  nextPicker: () => Promise.resolve(picker),
  getState: () => "READY",
  waitForStateChange: () => new Promise<never>(() => {}),
  close: () => conn.close(),
  [Symbol.asyncDispose]: () => conn.close(),
};
const greeter = createClient(Greeter, channel);
const bench = createClient(Bench, channel);

async function unary(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const reply = await greeter.sayHello({ name: "world" });
    if (reply.message !== "Hello world") throw new Error("bad reply");
  }
}

async function bidi(n: number): Promise<void> {
  const queue: Array<(v: IteratorResult<{ data: Uint8Array }>) => void> = [];
  const data = new Uint8Array(16);
  let sent = 0;
  // Requests are produced one at a time, each after the previous answer.
  const requests: AsyncIterable<{ data: Uint8Array }> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        sent++ === 0
          ? Promise.resolve({ done: false, value: { data } })
          : new Promise((resolve) => queue.push(resolve)),
    }),
  };
  let received = 0;
  for await (const _ of bench.pingPong(requests)) {
    if (++received === n) {
      queue.shift()?.({ done: true, value: undefined });
      continue;
    }
    queue.shift()?.({ done: false, value: { data } });
  }
}

const run = mode === "bidi" ? bidi : unary;
await run(2000);
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  await run(calls);
  const us = (performance.now() - t0) * 1000 / calls;
  console.log(`${mode} round ${round}: ${us.toFixed(2)} µs/call`);
}
await conn.close();
server.forceShutdown();
