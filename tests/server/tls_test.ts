/**
 * TLS with ALPN h2 on both sides: our client and server with a certificate
 * made by openssl at test time, and nghttp (a real peer) over TLS.
 */
import assert from "node:assert/strict";
import { createChannel, createClient, Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import {
  disposeWithin,
  outputWithin,
  PROCESS_MS,
  WAIT_MS,
  within,
} from "../_bounded.ts";
import { has, makeTestCerts } from "../_tls_certs.ts";

Deno.test("unary calls work over TLS with ALPN h2", async () => {
  const certs = await makeTestCerts();
  try {
    const { ca, localhost: { cert, key } } = certs;
    const server = new Server().add(Greeter, {
      sayHello: (req, ctx) => ({
        message: `Hello ${req.name} from ${ctx.peer.split(":")[0]}`,
      }),
    });
    const addr = await within(
      server.listen({ hostname: "127.0.0.1", port: 0, cert, key }),
      WAIT_MS,
      "server.listen",
    ) as Deno.NetAddr;
    await using channel = disposeWithin(
      createChannel(`localhost:${addr.port}`, { tls: { caCerts: [ca] } }),
      WAIT_MS,
      "channel.close()",
    );
    const reply = await within(
      createClient(Greeter, channel).sayHello({ name: "tls" }),
      WAIT_MS,
      "sayHello reply",
    );
    assert.equal(reply.message, "Hello tls from 127.0.0.1");
    await within(server.shutdown(), WAIT_MS, "server.shutdown()");
  } finally {
    await Deno.remove(certs.dir, { recursive: true });
  }
});

Deno.test({
  name: "nghttp reaches our TLS server with ALPN h2",
  ignore: !has("nghttp"),
}, async () => {
  const certs = await makeTestCerts();
  const dir = certs.dir;
  try {
    const { cert, key } = certs.localhost;
    const server = new Server().add(Greeter, {
      sayHello: () => ({ message: "x" }),
    });
    const addr = await within(
      server.listen({ hostname: "127.0.0.1", port: 0, cert, key }),
      WAIT_MS,
      "server.listen",
    ) as Deno.NetAddr;
    await Deno.writeFile(`${dir}/body`, new Uint8Array(5));
    const out = await outputWithin(
      "nghttp",
      {
        args: [
          "-d",
          `${dir}/body`,
          "-v",
          "-H",
          "content-type: application/grpc",
          "-H",
          "te: trailers",
          `https://127.0.0.1:${addr.port}/helloworld.Greeter/Missing`,
        ],
      },
      PROCESS_MS,
      "nghttp",
    );
    const text = new TextDecoder().decode(out.stdout);
    assert.match(text, /negotiated protocol: h2/);
    assert.match(text, /grpc-status: 12/);
    await within(server.shutdown(), WAIT_MS, "server.shutdown()");
  } finally {
    await Deno.remove(certs.dir, { recursive: true });
  }
});
