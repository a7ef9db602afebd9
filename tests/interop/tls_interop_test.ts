/**
 * The interop matrix over TLS: every case both ways against grpc-js and
 * grpcio (C-core), and our interop programs against each other through
 * their TLS flags (`--use_tls`, `--tls_cert_file`, `--tls_key_file`,
 * `--ca_file`, `--server_host_override`). Certificates are made by openssl
 * at test time: a CA and a server certificate for `*.test.google.fr` (as
 * gRPC's interop `server1`), reached at 127.0.0.1 with the override
 * `foo.test.google.fr`. Also mutual TLS: our client's certificate presented
 * to grpc-js and grpcio servers that require one.
 */
import assert from "node:assert/strict";
import { startInteropServer } from "../../examples/interop/server.ts";
import { interopChannelOptions } from "../../examples/interop/client.ts";
import { runCase } from "../../examples/interop/test_cases.ts";
import {
  type ChannelOptions,
  Code,
  createChannel,
  createClient,
  GrpcError,
} from "../../mod.ts";
import { TestService } from "../../gen/grpc/testing/test_pb.ts";
import {
  hasPythonGrpc,
  ourClientSteps,
  peerClientSteps,
  peerPath,
  PYTHON,
  startPeerServer,
  writeDescriptorSet,
} from "./_peers.ts";
import { outputWithin, PROCESS_MS, WAIT_MS, within } from "../_bounded.ts";
import {
  has,
  makeTestCerts,
  SERVER_HOST_OVERRIDE,
  type TestCerts,
} from "../_tls_certs.ts";

const noOpenssl = !has("openssl");
const noPython = !hasPythonGrpc();
if (noOpenssl) console.warn("openssl not installed: TLS interop ignored");

/** Runs `fn` with fresh certificates, removing them afterwards. */
async function withCerts(fn: (certs: TestCerts) => Promise<void>) {
  const certs = await makeTestCerts();
  try {
    await fn(certs);
  } finally {
    await Deno.remove(certs.dir, { recursive: true });
  }
}

/** Our client's options: what `client.ts --use_tls --ca_file --server_host_override` uses. */
function ourTls(certs: TestCerts): ChannelOptions {
  return interopChannelOptions({
    useTls: true,
    ca: certs.ca,
    serverHostOverride: SERVER_HOST_OVERRIDE,
  });
}

/** A peer server's TLS flags. */
function serverTlsFlags(certs: TestCerts): string[] {
  return [
    "--use_tls=true",
    `--tls_cert_file=${certs.server.certFile}`,
    `--tls_key_file=${certs.server.keyFile}`,
  ];
}

/** A peer client's TLS flags. */
function clientTlsFlags(certs: TestCerts): string[] {
  return [
    "--use_tls=true",
    `--ca_file=${certs.caFile}`,
    `--server_host_override=${SERVER_HOST_OVERRIDE}`,
  ];
}

/** Our interop server over TLS with the `*.test.google.fr` certificate. */
async function withOurTlsServer(
  certs: TestCerts,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const { server, port } = await within(
    startInteropServer({ tls: certs.server }),
    WAIT_MS,
    "our interop server's start",
  );
  try {
    await fn(port);
  } finally {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
  }
}

Deno.test({
  name: "interop over TLS: our client → grpc-js server",
  ignore: noOpenssl,
  fn: (t) =>
    withCerts(async (certs) => {
      const peer = await startPeerServer(Deno.execPath(), [
        "run",
        "-A",
        peerPath("grpcjs_server.mjs"),
        "--port=0",
        ...serverTlsFlags(certs),
      ]);
      try {
        await ourClientSteps(t, peer.port, ourTls(certs));
      } finally {
        await peer.stop();
      }
    }),
});

Deno.test({
  name: "interop over TLS: grpc-js client → our server",
  ignore: noOpenssl,
  fn: (t) =>
    withCerts((certs) =>
      withOurTlsServer(certs, (port) =>
        peerClientSteps(t, Deno.execPath(), [
          "run",
          "-A",
          peerPath("grpcjs_client.mjs"),
          "--server_host=127.0.0.1",
          `--server_port=${port}`,
          ...clientTlsFlags(certs),
        ]))
    ),
});

Deno.test({
  name: "interop over TLS: our client → grpcio (Python, C-core) server",
  ignore: noOpenssl || noPython,
  fn: (t) =>
    withCerts(async (certs) => {
      const descriptors = await writeDescriptorSet();
      const peer = await startPeerServer(PYTHON, [
        peerPath("python_server.py"),
        `--descriptor_set=${descriptors}`,
        "--port=0",
        ...serverTlsFlags(certs),
      ]);
      try {
        await ourClientSteps(t, peer.port, ourTls(certs));
      } finally {
        await peer.stop();
        await Deno.remove(descriptors);
      }
    }),
});

Deno.test({
  name: "interop over TLS: grpcio (Python, C-core) client → our server",
  ignore: noOpenssl || noPython,
  fn: (t) =>
    withCerts(async (certs) => {
      const descriptors = await writeDescriptorSet();
      try {
        await withOurTlsServer(certs, (port) =>
          peerClientSteps(t, PYTHON, [
            peerPath("python_client.py"),
            `--descriptor_set=${descriptors}`,
            "--server_host=127.0.0.1",
            `--server_port=${port}`,
            ...clientTlsFlags(certs),
          ]));
      } finally {
        await Deno.remove(descriptors);
      }
    }),
});

Deno.test({
  name:
    "interop over TLS: our client program → our server program, through their TLS flags",
  ignore: noOpenssl,
  fn: (t) =>
    withCerts(async (certs) => {
      const program = (name: string) =>
        new URL(`../../examples/interop/${name}`, import.meta.url).pathname;
      const server = await startPeerServer(Deno.execPath(), [
        "run",
        "--allow-net",
        "--allow-read",
        program("server.ts"),
        "--port=0",
        "--use_tls",
        `--tls_cert_file=${certs.server.certFile}`,
        `--tls_key_file=${certs.server.keyFile}`,
      ]);
      try {
        await peerClientSteps(t, Deno.execPath(), [
          "run",
          "--allow-net",
          "--allow-read",
          program("client.ts"),
          `--server_port=${server.port}`,
          "--use_tls",
          `--ca_file=${certs.caFile}`,
          `--server_host_override=${SERVER_HOST_OVERRIDE}`,
          "--json",
        ]);
      } finally {
        await server.stop();
      }
    }),
});

/** Runs two cases with a channel of `options` against `port`. */
async function twoCases(port: number, options: ChannelOptions): Promise<void> {
  const channel = createChannel(`127.0.0.1:${port}`, options);
  try {
    for (const name of ["empty_unary", "large_unary"]) {
      const result = await within(runCase(name, channel), WAIT_MS, name);
      assert.ok(result.ok, `${name}: ${result.error}`);
    }
  } finally {
    await within(channel.close(), WAIT_MS, "channel.close()");
  }
}

/** A call without a client certificate fails with UNAVAILABLE. */
async function refusedWithoutCert(port: number, certs: TestCerts) {
  const channel = createChannel(`127.0.0.1:${port}`, ourTls(certs));
  try {
    const error = await within(
      createClient(TestService, channel).emptyCall({}).then(
        () => undefined,
        (e) => e,
      ),
      WAIT_MS,
      "emptyCall without a client certificate",
    );
    assert.ok(error instanceof GrpcError, `not refused: ${error}`);
    assert.equal(error.code, Code.UNAVAILABLE);
  } finally {
    await within(channel.close(), WAIT_MS, "channel.close()");
  }
}

/** Peer servers that require a client certificate signed by the test CA. */
const MTLS_PEERS = [
  {
    peer: "grpc-js",
    ignore: noOpenssl,
    start: (certs: TestCerts, _descriptors: string) =>
      startPeerServer(Deno.execPath(), [
        "run",
        "-A",
        peerPath("grpcjs_server.mjs"),
        "--port=0",
        ...serverTlsFlags(certs),
        `--client_ca_file=${certs.caFile}`,
      ]),
  },
  {
    peer: "grpcio",
    ignore: noOpenssl || noPython,
    start: (certs: TestCerts, descriptors: string) =>
      startPeerServer(PYTHON, [
        peerPath("python_server.py"),
        `--descriptor_set=${descriptors}`,
        "--port=0",
        ...serverTlsFlags(certs),
        `--client_ca_file=${certs.caFile}`,
      ]),
  },
];

for (const { peer, ignore, start } of MTLS_PEERS) {
  Deno.test({
    name:
      `mutual TLS: our client presents its certificate to a ${peer} server that requires one; without one it gets UNAVAILABLE`,
    ignore,
    fn: () =>
      withCerts(async (certs) => {
        const descriptors = await writeDescriptorSet();
        const server = await start(certs, descriptors);
        try {
          await twoCases(server.port, {
            ...ourTls(certs),
            tls: {
              caCerts: [certs.ca],
              serverName: SERVER_HOST_OVERRIDE,
              cert: certs.client.cert,
              key: certs.client.key,
            },
          });
          await refusedWithoutCert(server.port, certs);
        } finally {
          await server.stop();
          await Deno.remove(descriptors);
        }
      }),
  });
}

Deno.test("interop programs: TLS flags that cannot work exit 2 naming what is missing", async () => {
  const program = (name: string) =>
    new URL(`../../examples/interop/${name}`, import.meta.url).pathname;
  for (
    const [file, args, message] of [
      ["server.ts", ["--use_tls"], /--use_tls needs --tls_cert_file and/],
      [
        "server.ts",
        ["--tls_cert_file=a.pem", "--tls_key_file=a.key"],
        /need --use_tls/,
      ],
      [
        "client.ts",
        ["--use_tls", "--use_test_ca"],
        /--use_test_ca needs --ca_file/,
      ],
      ["client.ts", ["--ca_file=ca.pem"], /need --use_tls/],
    ] as const
  ) {
    const out = await outputWithin(
      Deno.execPath(),
      { args: ["run", "--allow-net", "--allow-read", program(file), ...args] },
      PROCESS_MS,
      `${file} ${args.join(" ")}`,
    );
    assert.equal(out.code, 2, `${file} ${args.join(" ")}`);
    assert.match(new TextDecoder().decode(out.stderr), message);
  }
});
