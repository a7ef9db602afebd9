/**
 * Interop with grpc-js 1.14 (run under Deno's npm compatibility): our client
 * against a grpc-js TestService server, and a grpc-js client against ours.
 * One step per interop case.
 */
import { startInteropServer } from "../../examples/interop/server.ts";
import {
  ourClientSteps,
  peerClientSteps,
  peerPath,
  startPeerServer,
} from "./_peers.ts";
import { WAIT_MS, within } from "../_bounded.ts";

Deno.test("interop: our client → grpc-js server", async (t) => {
  const peer = await startPeerServer(Deno.execPath(), [
    "run",
    "-A",
    peerPath("grpcjs_server.mjs"),
    "--port=0",
  ]);
  try {
    await ourClientSteps(t, peer.port);
  } finally {
    await peer.stop();
  }
});

Deno.test("interop: grpc-js client → our server", async (t) => {
  const { server, port } = await within(
    startInteropServer(),
    WAIT_MS,
    "our interop server's start",
  );
  try {
    await peerClientSteps(t, Deno.execPath(), [
      "run",
      "-A",
      peerPath("grpcjs_client.mjs"),
      "--server_host=127.0.0.1",
      `--server_port=${port}`,
    ]);
  } finally {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
  }
});
