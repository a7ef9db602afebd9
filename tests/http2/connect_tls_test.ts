/**
 * connectHttp2() over TLS: TCP to the address and TLS with the server name
 * (certificates naming something else than the address), ALPN enforcement
 * and its escape hatch, client certificates (checked by `openssl s_server
 * -Verify`), and abandoning a handshake the peer never answers.
 */
import assert from "node:assert/strict";
import { AlpnError, connectHttp2 } from "../../lib/http2/connect.ts";
import type { Http2Connection } from "../../lib/http2/connection.ts";
import { acceptHttp2 } from "../../lib/http2/serve.ts";
import { stopWithin, WAIT_MS, within } from "../_bounded.ts";
import {
  has,
  makeTestCerts,
  SERVER_HOST_OVERRIDE,
  type TestCerts,
} from "../_tls_certs.ts";

/** An HTTP/2 server on Deno.listenTls (ALPN as given: none if undefined). */
function h2TlsServer(
  cert: { cert: string; key: string },
  alpnProtocols: string[] | undefined,
  settingsTimeoutMs?: number,
) {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    ...cert,
    alpnProtocols,
  });
  const conns: Http2Connection[] = [];
  const accepting = acceptHttp2(
    listener,
    { settingsTimeoutMs },
    (c) => conns.push(c),
  );
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const c of conns) c.destroy();
      await within(accepting, WAIT_MS, "accept loop's end");
      await within(
        Promise.all(conns.map((c) => c.closed)),
        WAIT_MS,
        "server connections' close",
      );
    },
  };
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

async function closeClient(conn: Http2Connection): Promise<void> {
  conn.destroy();
  await within(conn.closed, WAIT_MS, "client connection's close");
}

Deno.test("connectHttp2() over TLS dials the address and checks the certificate against serverName", () =>
  withCerts(async (certs) => {
    const server = h2TlsServer(certs.server, ["h2"]);
    try {
      // The certificate names *.test.google.fr, never 127.0.0.1.
      const conn = await within(
        connectHttp2({
          transport: "tls",
          hostname: "127.0.0.1",
          port: server.port,
          serverName: SERVER_HOST_OVERRIDE,
          caCerts: [certs.ca],
        }),
        WAIT_MS,
        "connect",
      );
      await within(conn.ready, WAIT_MS, "server SETTINGS");
      await closeClient(conn);
    } finally {
      await server.close();
    }
  }));

Deno.test("connectHttp2() over TLS refuses a certificate that does not name the server name (default: the address)", () =>
  withCerts(async (certs) => {
    const server = h2TlsServer(certs.server, ["h2"]);
    try {
      await assert.rejects(
        within(
          connectHttp2({
            transport: "tls",
            hostname: "127.0.0.1",
            port: server.port,
            caCerts: [certs.ca],
          }),
          WAIT_MS,
          "connect",
        ),
        /TLS handshake with 127\.0\.0\.1 failed: .*not valid for name/,
      );
      await assert.rejects(
        within(
          connectHttp2({
            transport: "tls",
            hostname: "127.0.0.1",
            port: server.port,
            serverName: "foo.example.com",
            caCerts: [certs.ca],
          }),
          WAIT_MS,
          "connect",
        ),
        /TLS handshake with foo\.example\.com failed: .*not valid for name/,
      );
    } finally {
      await server.close();
    }
  }));

Deno.test("connectHttp2() fails with AlpnError naming ALPN, the cause and the fix when the TLS peer selects no protocol", () =>
  withCerts(async (certs) => {
    const server = h2TlsServer(certs.localhost, undefined);
    try {
      const error = await within(
        connectHttp2({
          transport: "tls",
          hostname: "127.0.0.1",
          port: server.port,
          caCerts: [certs.ca],
        }).then(() => undefined, (e) => e),
        WAIT_MS,
        "connect",
      );
      assert.ok(error instanceof AlpnError, String(error));
      assert.equal(error.protocol, null);
      assert.match(
        error.message,
        /negotiated no ALPN protocol \(h2 expected\)/,
      );
      assert.match(error.message, /AWS ELB SSL listener/);
      assert.match(error.message, /tls\.enforceAlpn: false/);
    } finally {
      await server.close();
    }
  }));

Deno.test("connectHttp2() with enforceAlpn false speaks HTTP/2 to a TLS peer that selects no protocol", () =>
  withCerts(async (certs) => {
    const server = h2TlsServer(certs.localhost, undefined);
    try {
      const conn = await within(
        connectHttp2({
          transport: "tls",
          hostname: "127.0.0.1",
          port: server.port,
          caCerts: [certs.ca],
          enforceAlpn: false,
        }),
        WAIT_MS,
        "connect",
      );
      await within(conn.ready, WAIT_MS, "server SETTINGS");
      await closeClient(conn);
    } finally {
      await server.close();
    }
  }));

Deno.test("AlpnError names a protocol other than h2", () => {
  const error = new AlpnError("http/1.1");
  assert.equal(error.protocol, "http/1.1");
  assert.match(error.message, /ALPN protocol "http\/1\.1" instead of h2/);
});

Deno.test("connectHttp2() refuses a client certificate without its key before connecting", async () => {
  await assert.rejects(
    connectHttp2({
      transport: "tls",
      hostname: "127.0.0.1",
      port: 1,
      cert: "x",
    }),
    TypeError,
  );
});

/** openssl s_server on a free port; its output, once it exits. */
async function opensslServer(args: string[]) {
  const child = new Deno.Command("openssl", {
    args: ["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", ...args],
    // s_server ends the connection when its stdin ends: keep it open.
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const waitFor = async (re: RegExp) => {
    while (!re.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`s_server exited:\n${seen}`);
      seen += value;
    }
    return re.exec(seen)!;
  };
  let port: number;
  try {
    const match = await within(
      waitFor(/ACCEPT .*:(\d+)/),
      WAIT_MS,
      "s_server's ACCEPT",
    );
    port = Number(match[1]);
  } catch (error) {
    await child.stdin.close().catch(() => {});
    await stopWithin(child, WAIT_MS, "s_server");
    await within(stderr, WAIT_MS, "s_server's stderr");
    throw error;
  }
  return {
    port,
    /** Resolves once its output matches `re`. */
    async waitFor(re: RegExp, what: string): Promise<void> {
      await within(waitFor(re), WAIT_MS, what);
    },
    /** Ends it; resolves with everything it printed. */
    async output(): Promise<string> {
      await child.stdin.close().catch(() => {});
      await stopWithin(child, WAIT_MS, "s_server");
      while (true) {
        const { value, done } = await within(
          reader.read(),
          WAIT_MS,
          "s_server's stdout",
        );
        if (done) break;
        seen += value;
      }
      return seen + (await within(stderr, WAIT_MS, "s_server's stderr"));
    },
  };
}

Deno.test({
  name:
    "connectHttp2() presents a client certificate that openssl s_server -Verify accepts, with and without a server name override",
  ignore: !has("openssl"),
  fn: () =>
    withCerts(async (certs) => {
      for (
        const [cert, serverName] of [
          [certs.server, SERVER_HOST_OVERRIDE],
          [certs.localhost, undefined],
        ] as const
      ) {
        const server = await opensslServer([
          "-cert",
          cert.certFile,
          "-key",
          cert.keyFile,
          "-CAfile",
          certs.caFile,
          "-Verify",
          "1",
          "-verify_return_error",
          "-alpn",
          "h2",
        ]);
        const conn = await within(
          connectHttp2({
            transport: "tls",
            hostname: "127.0.0.1",
            port: server.port,
            serverName,
            caCerts: [certs.ca],
            cert: certs.client.cert,
            key: certs.client.key,
          }),
          WAIT_MS,
          "connect",
        );
        // s_server prints what it reads (our preface) only after it
        // verified the certificate: the handshake is done on both sides.
        await server.waitFor(/PRI \* HTTP\/2\.0/, "our preface at s_server");
        await closeClient(conn);
        const output = await server.output();
        assert.match(
          output,
          /depth=0 CN = denogrpc test client\s+verify return:1/,
        );
        assert.match(output, /ALPN protocols selected: h2/);
        assert.doesNotMatch(output, /alert|error/i);
      }
    }),
});

Deno.test({
  name:
    "connectHttp2() fails with AlpnError against openssl s_server without -alpn (a TLS terminator negotiating no ALPN)",
  ignore: !has("openssl"),
  fn: () =>
    withCerts(async (certs) => {
      const server = await opensslServer([
        "-cert",
        certs.localhost.certFile,
        "-key",
        certs.localhost.keyFile,
      ]);
      try {
        await assert.rejects(
          within(
            connectHttp2({
              transport: "tls",
              hostname: "127.0.0.1",
              port: server.port,
              caCerts: [certs.ca],
            }),
            WAIT_MS,
            "connect",
          ),
          (error) => error instanceof AlpnError && error.protocol === null,
        );
      } finally {
        await server.output();
      }
    }),
});

Deno.test("connectHttp2() abandoned by its signal closes a TLS handshake the peer never answers", async () => {
  // A TCP listener that accepts and never speaks TLS.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const controller = new AbortController();
  const connecting = connectHttp2(
    {
      transport: "tls",
      hostname: "127.0.0.1",
      port: (listener.addr as Deno.NetAddr).port,
    },
    {},
    controller.signal,
  );
  const accepted = await within(listener.accept(), WAIT_MS, "accept");
  controller.abort(new Error("gave up"));
  await assert.rejects(within(connecting, WAIT_MS, "connect"), /gave up/);
  // Deno closes the socket of an abandoned handshake only once the peer
  // answers or leaves (its TLS stream awaits the handshake on drop): the
  // peer leaves. The sanitizers check that nothing of ours is left.
  accepted.close();
  listener.close();
});

Deno.test("acceptHttp2() closes a TLS connection that settled on another ALPN protocol than h2", () =>
  withCerts(async (certs) => {
    // A listener offering both, as a custom one might; a SETTINGS timeout
    // longer than the test's waits, so that only the ALPN check closes.
    const server = h2TlsServer(
      certs.localhost,
      ["h2", "http/1.1"],
      10 * WAIT_MS,
    );
    try {
      const tls = await within(
        Deno.connectTls({
          hostname: "127.0.0.1",
          port: server.port,
          caCerts: [certs.ca],
          alpnProtocols: ["http/1.1"],
        }),
        WAIT_MS,
        "connectTls",
      );
      const info = await within(tls.handshake(), WAIT_MS, "handshake");
      assert.equal(info.alpnProtocol, "http/1.1");
      // The server closes: reads end (after its GOAWAY, if it got out).
      const buf = new Uint8Array(4096);
      let n: number | null = 0;
      while (n !== null) {
        n = await within(tls.read(buf).catch(() => null), WAIT_MS, "read");
      }
      tls.close();
    } finally {
      await server.close();
    }
  }));
