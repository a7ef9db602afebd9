// grpc-js benchmark server (bench/WORKLOADS.md contract):
//   deno run -A bench/grpcjs/server.mjs PORT   or   node bench/grpcjs/server.mjs PORT
// Listens on 127.0.0.1:PORT, prints `READY <port>`, runs until SIGTERM/SIGINT.
import process from "node:process";
import { Bench, Greeter, grpc } from "./_load.mjs";

/** Upper bound on one Stream call without `hold`, whatever it asks for. */
const MAX_STREAM_MS = 120_000;

const port = Number(process.argv[2] ?? "0");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: server.mjs PORT (got ${process.argv[2]})`);
  process.exit(2);
}

function stream(call) {
  const { size, count, durationMs, hold } = call.request;
  if (hold) {
    // One empty message, then keep the call open until the client cancels.
    call.write({ data: Buffer.alloc(0) });
    call.on("cancelled", () => call.end());
    return;
  }
  const message = { data: Buffer.alloc(size) };
  const end = Date.now() + (durationMs > 0 ? durationMs : MAX_STREAM_MS);
  let sent = 0;
  let cancelled = false;
  call.on("cancelled", () => cancelled = true);
  const pump = () => {
    // write() returns false once the stream buffers are full: wait for drain.
    while (!cancelled) {
      if ((count !== 0 && sent >= count) || Date.now() >= end) {
        call.end();
        return;
      }
      sent++;
      if (!call.write(message)) {
        call.once("drain", pump);
        return;
      }
    }
  };
  pump();
}

function pingPong(call) {
  call.on("data", (message) => call.write(message));
  call.on("end", () => call.end());
  call.on("error", () => {});
}

const server = new grpc.Server();
server.addService(Greeter.service, {
  sayHello: (call, callback) =>
    callback(null, { message: `Hello ${call.request.name}` }),
});
server.addService(Bench.service, {
  echo: (call, callback) => callback(null, { data: call.request.data }),
  stream,
  pingPong,
});

server.bindAsync(
  `127.0.0.1:${port}`,
  grpc.ServerCredentials.createInsecure(),
  (error, bound) => {
    if (error) {
      console.error("bind failed:", error);
      process.exit(1);
    }
    console.log(`READY ${bound}`);
  },
);

const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
