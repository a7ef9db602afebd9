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

async function openssl(args: string[]): Promise<void> {
  const out = await outputWithin(
    "openssl",
    {
      args,
      stdout: "null",
    },
    PROCESS_MS,
    `openssl ${args[0]}`,
  );
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

function has(cmd: string): boolean {
  try {
    return new Deno.Command("which", { args: [cmd], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** A CA and a leaf certificate for localhost/127.0.0.1 signed by it. */
async function makeCert(
  dir: string,
): Promise<{ ca: string; cert: string; key: string }> {
  const ec = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
  ];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=test CA",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.pem`,
  ]);
  await openssl([
    "req",
    ...ec,
    "-subj",
    "/CN=localhost",
    "-keyout",
    `${dir}/key.pem`,
    "-out",
    `${dir}/leaf.csr`,
  ]);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/leaf.csr`,
    "-CA",
    `${dir}/ca.pem`,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${dir}/ext.cnf`,
    "-out",
    `${dir}/cert.pem`,
  ]);
  return {
    ca: await Deno.readTextFile(`${dir}/ca.pem`),
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
  };
}

Deno.test("unary calls work over TLS with ALPN h2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { ca, cert, key } = await makeCert(dir);
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
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "nghttp reaches our TLS server with ALPN h2",
  ignore: !has("nghttp"),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { cert, key } = await makeCert(dir);
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
    await Deno.remove(dir, { recursive: true });
  }
});
