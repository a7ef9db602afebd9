import assert from "node:assert/strict";
import {
  LazyStream,
  ResponseMessages,
  toMessages,
} from "../../lib/client/message_streams.ts";
import { AsyncQueue } from "../../lib/util/async_queue.ts";
import { Code, codeName } from "../../lib/grpc/status.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { create, type Message, toBinary } from "../../lib/protobuf.ts";
import {
  HelloReplySchema,
  HelloRequestSchema,
} from "../../gen/helloworld/helloworld_pb.ts";

function source(queue: AsyncQueue<Uint8Array>) {
  const log: string[] = [];
  return {
    log,
    src: {
      messages: queue[Symbol.asyncIterator](),
      cancel: (e: GrpcError) => log.push(`cancel ${codeName(e.code)}`),
      finish: () => {
        log.push("finish");
        return Promise.resolve();
      },
    },
  };
}

const reply = (message: string) =>
  toBinary(HelloReplySchema, create(HelloReplySchema, { message }));

Deno.test("ResponseMessages decodes each message, then finishes once before done", async () => {
  const q = new AsyncQueue<Uint8Array>();
  const { log, src } = source(q);
  q.push(reply("a"));
  q.push(reply("b"));
  q.close();
  const got: string[] = [];
  for await (const m of new ResponseMessages(HelloReplySchema, src)) {
    got.push((m as Message & { message: string }).message);
  }
  assert.deepEqual(got, ["a", "b"]);
  assert.deepEqual(log, ["finish"]);
});

Deno.test("ResponseMessages turns bytes that do not decode into INTERNAL and cancels the call", async () => {
  const q = new AsyncQueue<Uint8Array>();
  const { log, src } = source(q);
  q.push(new Uint8Array([0x0a, 0x05, 0x61])); // truncated string field
  const it = new ResponseMessages(HelloReplySchema, src);
  await assert.rejects(it.next(), (e: unknown) => {
    assert.ok(e instanceof GrpcError);
    assert.equal(e.code, Code.INTERNAL);
    assert.match(e.message, /cannot decode response message/);
    return true;
  });
  assert.deepEqual(log, ["cancel INTERNAL", "finish"]);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
});

Deno.test("ResponseMessages reports a failed call as a GrpcError", async () => {
  const q = new AsyncQueue<Uint8Array>();
  const { log, src } = source(q);
  q.fail(new GrpcError(Code.UNAVAILABLE, "gone"));
  const it = new ResponseMessages(HelloReplySchema, src);
  await assert.rejects(it.next(), { code: Code.UNAVAILABLE });
  assert.deepEqual(log, ["cancel UNAVAILABLE", "finish"]);
});

Deno.test("ResponseMessages cancels the call with CANCELLED when the loop leaves early", async () => {
  const q = new AsyncQueue<Uint8Array>();
  const { log, src } = source(q);
  q.push(reply("a"));
  for await (const _ of new ResponseMessages(HelloReplySchema, src)) break;
  assert.deepEqual(log, ["cancel CANCELLED", "finish"]);
});

Deno.test("LazyStream opens on the first next() and forwards to the opened iterator", async () => {
  let opened = 0;
  const stream = new LazyStream<number>(() => {
    opened++;
    return Promise.resolve(new AsyncQueue<number>());
  });
  assert.equal(opened, 0);
  const items: number[] = [];
  const inner = new AsyncQueue<number>();
  inner.push(1);
  inner.push(2);
  inner.close();
  const lazy = new LazyStream<number>(() => {
    opened++;
    return Promise.resolve(inner);
  });
  for await (const n of lazy) items.push(n);
  assert.deepEqual(items, [1, 2]);
  assert.equal(opened, 1);
  // Leaving before the first pull never opens.
  assert.deepEqual(await stream.return(), { done: true, value: undefined });
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
  assert.equal(opened, 1);
});

Deno.test("toMessages() creates messages from sync and async initializers", async () => {
  const names = async (it: AsyncIterable<Message>) => {
    const out: string[] = [];
    for await (const m of it) out.push((m as Message & { name: string }).name);
    return out;
  };
  assert.deepEqual(
    await names(toMessages(HelloRequestSchema, [{ name: "a" }, { name: "b" }])),
    ["a", "b"],
  );
  async function* inits() {
    yield { name: "c" };
    yield create(HelloRequestSchema, { name: "d" });
  }
  assert.deepEqual(await names(toMessages(HelloRequestSchema, inits())), [
    "c",
    "d",
  ]);
});
