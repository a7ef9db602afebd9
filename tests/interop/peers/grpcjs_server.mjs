// grpc-js interop TestService server (a peer for tests/interop/), run under
// Deno: `deno run -A grpcjs_server.mjs --port=0`. Prints `READY <port>`.
//
// grpc-js servers cannot compress responses, so CompressedResponse is
// ignored (responses are sent uncompressed); CompressedRequest is not
// checked either (grpc-js hides the Compressed-Flag).
// deno-lint-ignore no-import-prefix
import * as grpc from "npm:@grpc/grpc-js@1.14.7";
// deno-lint-ignore no-import-prefix
import * as protoLoader from "npm:@grpc/proto-loader@0.8.0";

const PROTO_DIR = new URL("../../../proto/", import.meta.url).pathname;
const ECHO_INITIAL = "x-grpc-test-echo-initial";
const ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";

function flag(name, fallback) {
  for (const arg of Deno.args) {
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return fallback;
}

const definition = protoLoader.loadSync("grpc/testing/test.proto", {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: Number,
  enums: Number,
  defaults: true,
});
const testing = grpc.loadPackageDefinition(definition).grpc.testing;

function echoInitial(call) {
  const md = new grpc.Metadata();
  const values = call.metadata.get(ECHO_INITIAL);
  if (values.length > 0) md.set(ECHO_INITIAL, values[0]);
  return md;
}

function echoTrailing(call) {
  const md = new grpc.Metadata();
  const values = call.metadata.get(ECHO_TRAILING);
  if (values.length > 0) md.set(ECHO_TRAILING, values[0]);
  return md;
}

function statusError(call, status) {
  if (!status || !status.code) return null;
  return {
    code: status.code,
    details: status.message,
    metadata: echoTrailing(call),
  };
}

function payload(size) {
  return { type: 0, body: Buffer.alloc(size) };
}

const sleep = (us) =>
  us > 0 ? new Promise((r) => setTimeout(r, us / 1000)) : Promise.resolve();

async function writeResponses(call, request) {
  for (const p of request.response_parameters) {
    await sleep(p.interval_us);
    if (call.cancelled) return;
    call.write({ payload: payload(p.size) });
  }
}

const impl = {
  emptyCall(call, callback) {
    call.sendMetadata(echoInitial(call));
    callback(null, {}, echoTrailing(call));
  },
  unaryCall(call, callback) {
    call.sendMetadata(echoInitial(call));
    const err = statusError(call, call.request.response_status);
    if (err) return callback(err);
    callback(
      null,
      { payload: payload(call.request.response_size) },
      echoTrailing(call),
    );
  },
  async streamingOutputCall(call) {
    call.sendMetadata(echoInitial(call));
    await writeResponses(call, call.request);
    const err = statusError(call, call.request.response_status);
    if (err) call.emit("error", err);
    else call.end(echoTrailing(call));
  },
  streamingInputCall(call, callback) {
    call.sendMetadata(echoInitial(call));
    let sum = 0;
    call.on("data", (req) => sum += req.payload ? req.payload.body.length : 0);
    call.on(
      "end",
      () =>
        callback(null, { aggregated_payload_size: sum }, echoTrailing(call)),
    );
    call.on("error", () => {});
  },
  fullDuplexCall(call) {
    call.sendMetadata(echoInitial(call));
    let chain = Promise.resolve();
    let failed = false;
    call.on("data", (req) => {
      chain = chain.then(async () => {
        if (failed) return;
        const err = statusError(call, req.response_status);
        if (err) {
          failed = true;
          call.emit("error", err);
          return;
        }
        await writeResponses(call, req);
      });
    });
    call.on("end", () => {
      chain.then(() => {
        if (!failed) call.end(echoTrailing(call));
      });
    });
    call.on("error", () => {});
  },
  halfDuplexCall(call) {
    call.sendMetadata(echoInitial(call));
    const all = [];
    call.on("data", (req) => all.push(req));
    call.on("end", async () => {
      for (const req of all) {
        const err = statusError(call, req.response_status);
        if (err) return call.emit("error", err);
        await writeResponses(call, req);
      }
      call.end(echoTrailing(call));
    });
    call.on("error", () => {});
  },
};

const server = new grpc.Server();
server.addService(testing.TestService.service, impl);
const host = flag("host", "127.0.0.1");
// --use_tls=true --tls_cert_file=PEM --tls_key_file=PEM: TLS;
// --client_ca_file=PEM also requires client certificates signed by it.
//
// Without a client CA, grpc-js sets the TLS context's `ca` to Node's root
// store (~200 KB), which Deno's node:tls sends within the server's
// certificate chain: a Certificate message over 64 KB that rustls
// (HandshakePayloadTooLarge) and openssl (illegal_parameter) refuse. The
// server's own certificate as `ca` (unused, no client certificates are
// requested) keeps the message small.
const read = (file) => Buffer.from(Deno.readFileSync(file));
const clientCa = flag("client_ca_file", undefined);
const credentials = flag("use_tls", "false") === "true"
  ? grpc.ServerCredentials.createSsl(
    read(clientCa ?? flag("tls_cert_file")),
    [{
      private_key: read(flag("tls_key_file")),
      cert_chain: read(flag("tls_cert_file")),
    }],
    clientCa !== undefined,
  )
  : grpc.ServerCredentials.createInsecure();
server.bindAsync(
  `${host}:${flag("port", "10000")}`,
  credentials,
  (error, port) => {
    if (error) {
      console.error(error);
      Deno.exit(1);
    }
    console.log(`READY ${port}`);
  },
);
const stop = () => server.tryShutdown(() => Deno.exit(0));
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
