/**
 * gRPC interop test server (`grpc.testing.TestService`, per
 * `doc/interop-test-descriptions.md`, "Server" section):
 *
 * ```sh
 * deno run --allow-net examples/interop/server.ts --port=10000 [--host=127.0.0.1]
 * deno run --allow-net --allow-read examples/interop/server.ts --port=10000 \
 *   --use_tls --tls_cert_file=server1.pem --tls_key_file=server1.key
 * ```
 *
 * Prints `READY <port>` once listening (`--port=0` picks a free port);
 * `--help` lists the flags. gRPC's test certificates (`server1.pem`) are not
 * bundled: `--use_tls` takes the certificate and key files to use.
 *
 * Features: EmptyCall, UnaryCall, StreamingOutputCall, StreamingInputCall,
 * FullDuplexCall, HalfDuplexCall, CompressedResponse (per message), Echo
 * Status, Echo Metadata, ResponseParameters.interval_us, CompressedRequest
 * (`expect_compressed` checked against `ctx.requestCompressed`). Not
 * implemented: CacheableUnaryCall and the auth echoes.
 *
 * @module
 */

import {
  Code,
  GrpcError,
  Server,
  type ServerContext,
  type ServiceImpl,
} from "../../mod.ts";
import { TestService } from "../../gen/grpc/testing/test_pb.ts";
import {
  type EchoStatus,
  PayloadType,
  type ResponseParameters,
} from "../../gen/grpc/testing/messages_pb.ts";
import {
  FlagError,
  type FlagSpec,
  parseFlagsOrExit,
  parsePort,
} from "../_flags.ts";

const ECHO_INITIAL_KEY = "x-grpc-test-echo-initial";
const ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin";

/**
 * CompressedRequest: a message that expects compression but arrived plain
 * gets INVALID_ARGUMENT (the "probe" of the client_compressed_* cases).
 */
function checkCompressed(
  expect: boolean | undefined,
  ctx: ServerContext,
): void {
  if (expect === true && !ctx.requestCompressed) {
    throw new GrpcError(
      Code.INVALID_ARGUMENT,
      "expected a compressed request message",
    );
  }
}

/** Copies the echo keys of the request into the response header/trailer. */
function echoMetadata(ctx: ServerContext): void {
  const initial = ctx.metadata.get(ECHO_INITIAL_KEY);
  if (initial !== undefined) ctx.responseHeader.set(ECHO_INITIAL_KEY, initial);
  const trailing = ctx.metadata.get(ECHO_TRAILING_KEY);
  if (trailing !== undefined) {
    ctx.responseTrailer.set(ECHO_TRAILING_KEY, trailing);
  }
}

/** Throws the requested status (Echo Status), if any. */
function echoStatus(status: EchoStatus | undefined): void {
  if (status && status.code !== 0) {
    throw new GrpcError(status.code as Code, status.message);
  }
}

function payload(type: PayloadType, size: number) {
  if (type !== PayloadType.COMPRESSABLE) {
    throw new GrpcError(
      Code.INVALID_ARGUMENT,
      `unsupported response_type ${type}`,
    );
  }
  if (size < 0) {
    throw new GrpcError(Code.INVALID_ARGUMENT, `negative size ${size}`);
  }
  return { type, body: new Uint8Array(size) };
}

/** Sleeps `us` microseconds, ending early (with the reason) on cancellation. */
function sleep(us: number, signal: AbortSignal): Promise<void> {
  if (us <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, us / 1000);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Responses for one StreamingOutputCallRequest's response_parameters. */
async function* respond(
  params: ResponseParameters[],
  type: PayloadType,
  ctx: ServerContext,
) {
  for (const p of params) {
    await sleep(p.intervalUs, ctx.signal);
    // Per-message compression: the call's encoding is set up front (the
    // header carries it), each message chooses whether to use it.
    ctx.compressMessages = p.compressed?.value === true;
    yield { payload: payload(type, p.size) };
  }
}

/** Selects gzip for the responses if any of `params` asks for compression. */
function setupCompression(
  ctx: ServerContext,
  params: ResponseParameters[],
): void {
  if (params.some((p) => p.compressed?.value === true)) {
    ctx.setCompression("gzip");
  }
}

/** The TestService implementation. */
export const testService: Partial<ServiceImpl<typeof TestService>> = {
  emptyCall(_request, ctx) {
    echoMetadata(ctx);
    return {};
  },

  unaryCall(request, ctx) {
    checkCompressed(request.expectCompressed?.value, ctx);
    echoMetadata(ctx);
    echoStatus(request.responseStatus);
    if (request.responseCompressed?.value === true) {
      ctx.setCompression("gzip");
      ctx.compressMessages = true;
    } else {
      ctx.compressMessages = false;
    }
    return { payload: payload(request.responseType, request.responseSize) };
  },

  async *streamingOutputCall(request, ctx) {
    echoMetadata(ctx);
    setupCompression(ctx, request.responseParameters);
    yield* respond(request.responseParameters, request.responseType, ctx);
    echoStatus(request.responseStatus);
  },

  async streamingInputCall(requests, ctx) {
    echoMetadata(ctx);
    let aggregatedPayloadSize = 0;
    for await (const request of requests) {
      checkCompressed(request.expectCompressed?.value, ctx);
      aggregatedPayloadSize += request.payload?.body.length ?? 0;
    }
    return { aggregatedPayloadSize };
  },

  async *fullDuplexCall(requests, ctx) {
    echoMetadata(ctx);
    let first = true;
    for await (const request of requests) {
      echoStatus(request.responseStatus);
      if (first) {
        setupCompression(ctx, request.responseParameters);
        first = false;
      }
      yield* respond(request.responseParameters, request.responseType, ctx);
    }
  },

  async *halfDuplexCall(requests, ctx) {
    echoMetadata(ctx);
    const all = [];
    for await (const request of requests) all.push(request);
    for (const request of all) {
      echoStatus(request.responseStatus);
      yield* respond(request.responseParameters, request.responseType, ctx);
    }
  },
  // unimplementedCall is left out on purpose: the server answers
  // UNIMPLEMENTED.
};

/** Where and how the interop server listens. */
export interface InteropServerOptions {
  /** Address to listen on. Default 127.0.0.1. */
  hostname?: string;
  /** Port (0: any free port). Default 0. */
  port?: number;
  /** PEM certificate chain and key: TLS (ALPN h2). Default plaintext. */
  tls?: { cert: string; key: string };
}

/**
 * Starts the interop server.
 *
 * @example Plaintext on a free port
 * ```ts ignore
 * const { server, port } = await startInteropServer();
 * ```
 *
 * @param options where to listen (default 127.0.0.1, port 0: any free
 * port), and TLS
 * @returns the server and the bound port
 */
export async function startInteropServer(
  options: InteropServerOptions = {},
): Promise<{ server: Server; port: number }> {
  const server = new Server().add(TestService, testService);
  const addr = await server.listen({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    ...options.tls,
  }) as Deno.NetAddr;
  return { server, port: addr.port };
}

/** The command line of this program (gRPC's interop server flags). */
export const SERVER_FLAGS: FlagSpec = {
  usage:
    `Usage: deno task interop:server [--port N] [--host ADDRESS] [--use_tls ...]
       deno run --allow-net --allow-read examples/interop/server.ts [flags]

Serves grpc.testing.TestService for gRPC's interop clients; prints
"READY <port>" once listening. SIGINT or SIGTERM shut it down gracefully.

  --port N              port to listen on (default 10000; 0 picks a free one)
  --host ADDRESS        address to listen on (default 127.0.0.1)
  --use_tls             serve TLS (ALPN h2) with the two files below
  --tls_cert_file FILE  PEM certificate chain (gRPC's test server1.pem is
                        not bundled: give one)
  --tls_key_file FILE   PEM private key of the certificate
  -h, --help            print this text

Values go as --flag value or --flag=value.`,
  string: ["port", "host", "tls_cert_file", "tls_key_file"],
  boolean: ["use_tls"],
};

if (import.meta.main) {
  const options = parseFlagsOrExit(Deno.args, SERVER_FLAGS, (flags) => {
    if (flags.positional.length > 0) {
      throw new FlagError(`unexpected argument ${flags.positional[0]}`);
    }
    const certFile = flags.values.get("tls_cert_file");
    const keyFile = flags.values.get("tls_key_file");
    let files: { certFile: string; keyFile: string } | undefined;
    if (flags.switches.has("use_tls")) {
      if (certFile === undefined || keyFile === undefined) {
        throw new FlagError(
          "--use_tls needs --tls_cert_file and --tls_key_file (gRPC's test " +
            "certificates are not bundled)",
        );
      }
      files = { certFile, keyFile };
    } else if (certFile !== undefined || keyFile !== undefined) {
      throw new FlagError("--tls_cert_file and --tls_key_file need --use_tls");
    }
    return {
      hostname: flags.values.get("host") ?? "127.0.0.1",
      port: parsePort(flags.values.get("port"), "--port", 10000),
      files,
    };
  });
  const { server, port } = await startInteropServer({
    hostname: options.hostname,
    port: options.port,
    tls: options.files && {
      cert: await Deno.readTextFile(options.files.certFile),
      key: await Deno.readTextFile(options.files.keyFile),
    },
  });
  const stop = () => {
    server.shutdown(1000).finally(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  console.log(`READY ${port}`);
}
