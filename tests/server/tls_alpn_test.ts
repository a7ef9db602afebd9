/**
 * TLS and ALPN end to end: a channel's calls to a TLS peer that negotiates
 * no ALPN (an AWS Classic ELB SSL listener in front of a gRPC server) fail
 * with UNAVAILABLE naming ALPN, or work with `tls.enforceAlpn: false`; a
 * channel's `tls.serverName` dials the target and checks the certificate
 * against the name; our TLS server gives HTTP/2 to clients offering no
 * ALPN and closes cleanly on clients offering only `http/1.1` (Deno's and
 * openssl's).
 */
import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { Http2Connection } from "../../lib/http2/connection.ts";
import type { HeaderField } from "../../lib/http2/hpack/mod.ts";
import {
  disposeWithin,
  eventually,
  outputWithin,
  PROCESS_MS,
  WAIT_MS,
  within,
} from "../_bounded.ts";
import {
  has,
  makeTestCerts,
  SERVER_HOST_OVERRIDE,
  type TestCerts,
} from "../_tls_certs.ts";

function greeter(): Server {
  return new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
}

/** Runs `fn` with fresh certificates, removing them afterwards. */
async function withCerts(fn: (certs: TestCerts) => Promise<void>) {
  const certs = await makeTestCerts();
  try {
    await fn(certs);
  } finally {
    await Deno.remove(certs.dir, { recursive: true });
  }
}

/**
 * A gRPC server behind a TLS listener that offers no ALPN, as an AWS
 * Classic ELB SSL listener terminating TLS in front of it: it speaks HTTP/2
 * but never says so.
 */
async function withNoAlpnServer(
  cert: { cert: string; key: string },
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...cert });
  const server = greeter();
  const serving = (async () => {
    try {
      for await (const conn of listener) void server.serveConnection(conn);
    } catch {
      // Closed.
    }
  })();
  try {
    await fn((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
    await within(serving, WAIT_MS, "accept loop's end");
  }
}

async function callError(promise: Promise<unknown>): Promise<GrpcError> {
  const error = await within(
    promise.then(() => undefined, (e) => e),
    WAIT_MS,
    "the call's failure",
  );
  assert.ok(error instanceof GrpcError, `not a GrpcError: ${error}`);
  return error;
}

Deno.test("a channel's call to a TLS peer negotiating no ALPN fails with UNAVAILABLE naming ALPN, the cause and the fix", () =>
  withCerts((certs) =>
    withNoAlpnServer(certs.localhost, async (port) => {
      await using channel = disposeWithin(
        // One address: `localhost` would try ::1 next and report its error.
        createChannel(`127.0.0.1:${port}`, { tls: { caCerts: [certs.ca] } }),
        WAIT_MS,
        "channel.close()",
      );
      const client = createClient(Greeter, channel);
      const error = await callError(client.sayHello({ name: "elb" }));
      assert.equal(error.code, Code.UNAVAILABLE);
      assert.match(error.rawMessage, /127\.0\.0\.1:\d+/);
      assert.match(
        error.rawMessage,
        /TLS peer negotiated no ALPN protocol \(h2 expected\)/,
      );
      assert.match(error.rawMessage, /AWS ELB SSL listener/);
      assert.match(error.rawMessage, /use a TCP listener or an ALPN-capable/);
      assert.match(error.rawMessage, /tls\.enforceAlpn: false/);
      assert.equal(channel.getState(), "TRANSIENT_FAILURE");
    })
  ));

Deno.test("tls.enforceAlpn false: calls work against a TLS peer that negotiates no ALPN but speaks HTTP/2", () =>
  withCerts((certs) =>
    withNoAlpnServer(certs.localhost, async (port) => {
      await using channel = disposeWithin(
        createChannel(`127.0.0.1:${port}`, {
          tls: { caCerts: [certs.ca], enforceAlpn: false },
        }),
        WAIT_MS,
        "channel.close()",
      );
      const client = createClient(Greeter, channel);
      for (const name of ["a", "b"]) {
        const reply = await within(
          client.sayHello({ name }),
          WAIT_MS,
          "sayHello reply",
        );
        assert.equal(reply.message, `Hello ${name}`);
      }
    })
  ));

Deno.test("tls.serverName: the channel dials the target's address and checks the certificate against the name", () =>
  withCerts(async (certs) => {
    // The certificate names *.test.google.fr, not 127.0.0.1.
    const server = greeter();
    const addr = await within(
      server.listen({ hostname: "127.0.0.1", port: 0, ...certs.server }),
      WAIT_MS,
      "server.listen",
    ) as Deno.NetAddr;
    try {
      {
        await using channel = disposeWithin(
          createChannel(`127.0.0.1:${addr.port}`, {
            tls: { caCerts: [certs.ca], serverName: SERVER_HOST_OVERRIDE },
          }),
          WAIT_MS,
          "channel.close()",
        );
        const reply = await within(
          createClient(Greeter, channel).sayHello({ name: "override" }),
          WAIT_MS,
          "sayHello reply",
        );
        assert.equal(reply.message, "Hello override");
      }
      await using plain = disposeWithin(
        createChannel(`127.0.0.1:${addr.port}`, {
          tls: { caCerts: [certs.ca] },
        }),
        WAIT_MS,
        "channel.close()",
      );
      const error = await callError(
        createClient(Greeter, plain).sayHello({ name: "x" }),
      );
      assert.equal(error.code, Code.UNAVAILABLE);
      assert.match(
        error.rawMessage,
        /TLS handshake with 127\.0\.0\.1 failed: .*not valid for name/,
      );
    } finally {
      await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
    }
  }));

Deno.test("createChannel() refuses a client certificate without its key", () => {
  assert.throws(
    () => createChannel("127.0.0.1:1", { tls: { cert: "x" } }),
    /needs both cert and key/,
  );
});

/** Our TLS server with Greeter; `fn` gets its port. */
async function withTlsServer(
  certs: TestCerts,
  fn: (port: number, server: Server) => Promise<void>,
): Promise<void> {
  const server = greeter();
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0, ...certs.localhost }),
    WAIT_MS,
    "server.listen",
  ) as Deno.NetAddr;
  try {
    await fn(addr.port, server);
  } finally {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
  }
}

/** A call through a channel still works (the server survived). */
async function assertServes(port: number, ca: string): Promise<void> {
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`, { tls: { caCerts: [ca] } }),
    WAIT_MS,
    "channel.close()",
  );
  const reply = await within(
    createClient(Greeter, channel).sayHello({ name: "after" }),
    WAIT_MS,
    "sayHello reply",
  );
  assert.equal(reply.message, "Hello after");
}

Deno.test("our TLS server gives HTTP/2 to a client that offers no ALPN", () =>
  withCerts((certs) =>
    withTlsServer(certs, async (port) => {
      const tls = await within(
        Deno.connectTls({ hostname: "localhost", port, caCerts: [certs.ca] }),
        WAIT_MS,
        "connectTls",
      );
      const info = await within(tls.handshake(), WAIT_MS, "handshake");
      assert.equal(info.alpnProtocol, null);
      const conn = new Http2Connection(tls, { role: "client" });
      await within(conn.ready, WAIT_MS, "the server's SETTINGS");
      const fields: HeaderField[] = [];
      const closed = Promise.withResolvers<void>();
      const stream = await within(
        conn.openStream({
          onHeaders: (f) => void fields.push(...f),
          onData: (data) => stream.consume(data.length),
          onClose: () => closed.resolve(),
        }),
        WAIT_MS,
        "a stream",
      );
      stream.sendHeaders([
        [":method", "POST"],
        [":scheme", "https"],
        [":path", "/helloworld.Greeter/SayHello"],
        [":authority", `localhost:${port}`],
        ["content-type", "application/grpc"],
        ["te", "trailers"],
      ]);
      // An empty HelloRequest: flag 0, length 0.
      stream.sendData(new Uint8Array(5), true).catch(() => {});
      await within(closed.promise, WAIT_MS, "the stream's close");
      assert.ok(fields.some(([n, v]) => n === ":status" && v === "200"));
      assert.ok(fields.some(([n, v]) => n === "grpc-status" && v === "0"));
      await within(conn.close(), WAIT_MS, "connection close");
    })
  ));

Deno.test("our TLS server refuses a Deno client offering only http/1.1 in the handshake and keeps serving", () =>
  withCerts((certs) =>
    withTlsServer(certs, async (port, server) => {
      const tls = await within(
        Deno.connectTls({
          hostname: "localhost",
          port,
          caCerts: [certs.ca],
          alpnProtocols: ["http/1.1"],
        }),
        WAIT_MS,
        "connectTls",
      );
      await assert.rejects(
        within(tls.handshake(), WAIT_MS, "handshake"),
        /NoApplicationProtocol/,
      );
      tls.close();
      await eventually(
        () => server.connections === 0,
        WAIT_MS,
        "the refused connection is gone",
      );
      await assertServes(port, certs.ca);
    })
  ));

Deno.test({
  name:
    "our TLS server: openssl s_client with -alpn http/1.1 gets the no_application_protocol alert, without -alpn a session with no ALPN; the server keeps serving",
  ignore: !has("openssl"),
  fn: () =>
    withCerts((certs) =>
      withTlsServer(certs, async (port, server) => {
        const sClient = (alpn: string[]) =>
          outputWithin(
            "openssl",
            {
              args: [
                "s_client",
                "-connect",
                `127.0.0.1:${port}`,
                "-servername",
                "localhost",
                "-CAfile",
                certs.caFile,
                ...alpn,
              ],
            },
            PROCESS_MS,
            "openssl s_client",
          );
        const h1 = await sClient(["-alpn", "http/1.1"]);
        const h1Text = new TextDecoder().decode(h1.stderr);
        assert.equal(h1.success, false);
        assert.match(h1Text, /no application protocol/);

        const none = await sClient([]);
        const noneText = new TextDecoder().decode(none.stdout);
        assert.equal(none.success, true);
        assert.match(noneText, /No ALPN negotiated/);
        assert.match(noneText, /Verify return code: 0 \(ok\)/);

        await eventually(
          () => server.connections === 0,
          WAIT_MS,
          "the openssl connections are gone",
        );
        await assertServes(port, certs.ca);
      })
    ),
});
