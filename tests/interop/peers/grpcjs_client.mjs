// grpc-js interop client (a peer for tests/interop/), run under Deno:
//   deno run -A grpcjs_client.mjs --server_host=127.0.0.1 --server_port=N \
//     --test_case=all
// TLS: --use_tls=true [--ca_file=PEM] [--server_host_override=NAME].
// Prints one JSON line per case: {"name", "ok", "error"?, "notes"}; exits 1
// if any case failed.
//
// grpc-js cannot see the Compressed-Flag of responses (server_compressed_*
// check sizes only) and cannot turn compression off for one message
// (client_compressed_streaming sends both messages gzip-compressed).
// deno-lint-ignore no-import-prefix
import * as grpc from "npm:@grpc/grpc-js@1.14.7";
// deno-lint-ignore no-import-prefix
import * as protoLoader from "npm:@grpc/proto-loader@0.8.0";

const PROTO_DIR = new URL("../../../proto/", import.meta.url).pathname;
const { status: Status } = grpc;

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
const target = `${flag("server_host", "127.0.0.1")}:${
  flag("server_port", "10000")
}`;
// --use_tls=true [--ca_file=PEM] [--server_host_override=NAME]: TLS, the
// override as the certificate's name and :authority.
const useTls = flag("use_tls", "false") === "true";
const caFile = flag("ca_file", undefined);
const override = flag("server_host_override", undefined);
const credentials = useTls
  ? grpc.credentials.createSsl(
    caFile === undefined ? null : Buffer.from(Deno.readFileSync(caFile)),
  )
  : grpc.credentials.createInsecure();
const tlsOptions = useTls && override !== undefined
  ? {
    "grpc.ssl_target_name_override": override,
    "grpc.default_authority": override,
  }
  : {};
const client = new testing.TestService(target, credentials, tlsOptions);
const gzipClient = new testing.TestService(target, credentials, {
  ...tlsOptions,
  "grpc.default_compression_algorithm": 2, // gzip
});
const unimplemented = new testing.UnimplementedService(
  target,
  credentials,
  tlsOptions,
);

const zeros = (n) => Buffer.alloc(n);
const SPECIAL =
  "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n";

class CaseError extends Error {}
function check(cond, message) {
  if (!cond) throw new CaseError(message);
}

function unary(c, method, request, options = {}) {
  return new Promise((resolve, reject) => {
    const call = c[method](
      request,
      options.metadata ?? new grpc.Metadata(),
      options.callOptions ?? {},
      (err, res) => err ? reject(err) : resolve(res),
    );
    if (options.onHeader) call.on("metadata", options.onHeader);
    if (options.onTrailer) {
      call.on("status", (s) => options.onTrailer(s.metadata));
    }
  });
}

function clientStream(c, method, requests, callOptions = {}) {
  return new Promise((resolve, reject) => {
    const call = c[method](
      callOptions,
      (err, res) => err ? reject(err) : resolve(res),
    );
    for (const r of requests) call.write(r);
    call.end();
  });
}

function collect(call) {
  return new Promise((resolve, reject) => {
    const out = [];
    call.on("data", (m) => out.push(m));
    call.on("error", reject);
    call.on("end", () => resolve(out));
  });
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (err) {
    check(
      err.code === code,
      `expected code ${code}, got ${err.code}: ${err.details}`,
    );
    return err;
  }
  throw new CaseError(`expected code ${code}, the call succeeded`);
}

async function probe(notes, promise) {
  try {
    await promise;
    notes.push("server does not check expect_compressed (probe succeeded)");
  } catch (err) {
    if (err.code !== Status.INVALID_ARGUMENT) throw err;
  }
}

function checkSizes(responses, sizes) {
  check(responses.length === sizes.length, `got ${responses.length} responses`);
  responses.forEach((r, i) =>
    check(
      r.payload.body.length === sizes[i],
      `response ${i}: ${r.payload.body.length} bytes`,
    )
  );
}

function echoMetadata() {
  const md = new grpc.Metadata();
  md.set("x-grpc-test-echo-initial", "test_initial_metadata_value");
  md.set("x-grpc-test-echo-trailing-bin", Buffer.from([0xab, 0xab, 0xab]));
  return md;
}

function checkEcho(header, trailer) {
  check(
    header?.get("x-grpc-test-echo-initial")[0] ===
      "test_initial_metadata_value",
    `initial metadata: ${header?.get("x-grpc-test-echo-initial")}`,
  );
  const bin = trailer?.get("x-grpc-test-echo-trailing-bin")[0];
  check(
    Buffer.isBuffer(bin) && bin.equals(Buffer.from([0xab, 0xab, 0xab])),
    `trailing metadata: ${bin}`,
  );
}

const large = (extra = {}) => ({
  response_size: 314159,
  payload: { body: zeros(271828) },
  ...extra,
});

const cases = {
  async empty_unary() {
    await unary(client, "emptyCall", {});
  },
  async large_unary() {
    const res = await unary(client, "unaryCall", large());
    check(res.payload.body.length === 314159, "wrong size");
  },
  async client_compressed_unary(notes) {
    await probe(
      notes,
      unary(client, "unaryCall", large({ expect_compressed: { value: true } })),
    );
    let res = await unary(
      gzipClient,
      "unaryCall",
      large({ expect_compressed: { value: true } }),
    );
    check(res.payload.body.length === 314159, "wrong size");
    res = await unary(
      client,
      "unaryCall",
      large({ expect_compressed: { value: false } }),
    );
    check(res.payload.body.length === 314159, "wrong size");
  },
  async server_compressed_unary(notes) {
    for (const value of [true, false]) {
      const res = await unary(
        client,
        "unaryCall",
        large({ response_compressed: { value } }),
      );
      check(res.payload.body.length === 314159, "wrong size");
    }
    notes.push("Compressed-Flag of responses not observable; sizes only");
  },
  async client_streaming() {
    const res = await clientStream(
      client,
      "streamingInputCall",
      [27182, 8, 1828, 45904].map((n) => ({ payload: { body: zeros(n) } })),
    );
    check(
      res.aggregated_payload_size === 74922,
      `got ${res.aggregated_payload_size}`,
    );
  },
  async client_compressed_streaming(notes) {
    await probe(
      notes,
      clientStream(client, "streamingInputCall", [{
        expect_compressed: { value: true },
        payload: { body: zeros(27182) },
      }]),
    );
    const res = await clientStream(gzipClient, "streamingInputCall", [
      { expect_compressed: { value: true }, payload: { body: zeros(27182) } },
      { expect_compressed: { value: false }, payload: { body: zeros(45904) } },
    ]);
    check(
      res.aggregated_payload_size === 73086,
      `got ${res.aggregated_payload_size}`,
    );
    notes.push("per-message compression off not supported: both gzip");
  },
  async server_streaming() {
    const sizes = [31415, 9, 2653, 58979];
    const responses = await collect(client.streamingOutputCall({
      response_parameters: sizes.map((size) => ({ size })),
    }));
    checkSizes(responses, sizes);
  },
  async server_compressed_streaming(notes) {
    const responses = await collect(client.streamingOutputCall({
      response_parameters: [
        { compressed: { value: true }, size: 31415 },
        { compressed: { value: false }, size: 92653 },
      ],
    }));
    checkSizes(responses, [31415, 92653]);
    notes.push("Compressed-Flag of responses not observable; sizes only");
  },
  async ping_pong() {
    const requestSizes = [27182, 8, 1828, 45904];
    const responseSizes = [31415, 9, 2653, 58979];
    const call = client.fullDuplexCall();
    const received = [];
    let wake;
    let ended = false;
    let failure;
    call.on("data", (m) => {
      received.push(m);
      wake?.();
    });
    call.on("error", (e) => {
      failure = e;
      wake?.();
    });
    call.on("end", () => {
      ended = true;
      wake?.();
    });
    const next = async () => {
      while (received.length === 0 && !failure && !ended) {
        await new Promise((r) => wake = r);
      }
      if (failure) throw failure;
      return received.shift();
    };
    for (let i = 0; i < 4; i++) {
      call.write({
        response_parameters: [{ size: responseSizes[i] }],
        payload: { body: zeros(requestSizes[i]) },
      });
      const m = await next();
      check(m, `stream ended before response ${i}`);
      check(m.payload.body.length === responseSizes[i], `response ${i} size`);
    }
    call.end();
    check((await next()) === undefined, "more than four responses");
  },
  async empty_stream() {
    const call = client.fullDuplexCall();
    call.end();
    const responses = await collect(call);
    check(responses.length === 0, `got ${responses.length} responses`);
  },
  async timeout_on_sleeping_server() {
    const call = client.fullDuplexCall({ deadline: Date.now() + 1 });
    call.write({ payload: { body: zeros(27182) } });
    await expectCode(collect(call), Status.DEADLINE_EXCEEDED);
  },
  async cancel_after_begin() {
    let call;
    const p = new Promise((resolve, reject) => {
      call = client.streamingInputCall((err, res) =>
        err ? reject(err) : resolve(res)
      );
    });
    call.cancel();
    await expectCode(p, Status.CANCELLED);
  },
  async cancel_after_first_response() {
    const call = client.fullDuplexCall();
    const p = new Promise((resolve, reject) => {
      call.once("data", (m) => {
        resolve(m);
        call.cancel();
      });
      call.on("error", reject);
    });
    const status = new Promise((resolve) => call.on("status", resolve));
    call.write({
      response_parameters: [{ size: 31415 }],
      payload: { body: zeros(27182) },
    });
    const first = await p;
    check(first.payload.body.length === 31415, "first response size");
    const s = await status;
    check(s.code === Status.CANCELLED, `status ${s.code}`);
  },
  async status_code_and_message() {
    const response_status = { code: 2, message: "test status message" };
    const e1 = await expectCode(
      unary(client, "unaryCall", { response_status }),
      2,
    );
    check(
      e1.details === response_status.message,
      `unary message ${e1.details}`,
    );
    const call = client.fullDuplexCall();
    call.write({ response_status });
    call.end();
    const e2 = await expectCode(collect(call), 2);
    check(e2.details === response_status.message, `bidi message ${e2.details}`);
  },
  async special_status_message() {
    const e = await expectCode(
      unary(client, "unaryCall", {
        response_status: { code: 2, message: SPECIAL },
      }),
      2,
    );
    check(e.details === SPECIAL, `message ${JSON.stringify(e.details)}`);
  },
  async custom_metadata() {
    let header, trailer;
    const res = await unary(client, "unaryCall", large(), {
      metadata: echoMetadata(),
      onHeader: (h) => header = h,
      onTrailer: (t) => trailer = t,
    });
    check(res.payload.body.length === 314159, "wrong size");
    checkEcho(header, trailer);
    header = trailer = undefined;
    const call = client.fullDuplexCall(echoMetadata());
    call.on("metadata", (h) => header = h);
    const status = new Promise((r) => call.on("status", r));
    call.write({
      response_parameters: [{ size: 314159 }],
      payload: { body: zeros(271828) },
    });
    call.end();
    checkSizes(await collect(call), [314159]);
    trailer = (await status).metadata;
    checkEcho(header, trailer);
  },
  async unimplemented_method() {
    await expectCode(
      unary(client, "unimplementedCall", {}),
      Status.UNIMPLEMENTED,
    );
  },
  async unimplemented_service() {
    await expectCode(
      unary(unimplemented, "unimplementedCall", {}),
      Status.UNIMPLEMENTED,
    );
  },
};

const testCase = flag("test_case", "all");
const names = testCase === "all" ? Object.keys(cases) : testCase.split(",");
let failed = 0;
for (const name of names) {
  const notes = [];
  const start = performance.now();
  try {
    if (!cases[name]) throw new CaseError("unknown test case");
    await cases[name](notes);
    console.log(
      JSON.stringify({ name, ok: true, notes, ms: performance.now() - start }),
    );
  } catch (err) {
    failed++;
    const error = err instanceof CaseError
      ? err.message
      : `${err.code ?? ""} ${err.details ?? err.message ?? err}`;
    console.log(
      JSON.stringify({
        name,
        ok: false,
        error,
        notes,
        ms: performance.now() - start,
      }),
    );
  }
}
client.close();
gzipClient.close();
unimplemented.close();
Deno.exit(failed > 0 ? 1 : 0);
