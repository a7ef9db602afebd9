/**
 * Interop with grpcio (gRPC C-core) through Debian's python3-grpcio: our
 * client against a Python TestService server, and a Python client against
 * ours. Message classes come from a FileDescriptorSet written from gen/.
 * One step per interop case.
 */
import { startInteropServer } from "../../examples/interop/server.ts";
import {
  hasPythonGrpc,
  ourClientSteps,
  peerClientSteps,
  peerPath,
  PYTHON,
  startPeerServer,
  writeDescriptorSet,
} from "./_peers.ts";
import { WAIT_MS, within } from "../_bounded.ts";

const ignore = !hasPythonGrpc();
if (ignore) {
  console.warn("python3-grpcio not installed: Python interop tests ignored");
}

Deno.test({
  name: "interop: our client → grpcio (Python, C-core) server",
  ignore,
  async fn(t) {
    const descriptors = await writeDescriptorSet();
    const peer = await startPeerServer(PYTHON, [
      peerPath("python_server.py"),
      `--descriptor_set=${descriptors}`,
      "--port=0",
    ]);
    try {
      await ourClientSteps(t, peer.port);
    } finally {
      await peer.stop();
      await Deno.remove(descriptors);
    }
  },
});

Deno.test({
  name: "interop: grpcio (Python, C-core) client → our server",
  ignore,
  async fn(t) {
    const descriptors = await writeDescriptorSet();
    const { server, port } = await within(
      startInteropServer(),
      WAIT_MS,
      "our interop server's start",
    );
    try {
      await peerClientSteps(t, PYTHON, [
        peerPath("python_client.py"),
        `--descriptor_set=${descriptors}`,
        "--server_host=127.0.0.1",
        `--server_port=${port}`,
      ]);
    } finally {
      await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
      await Deno.remove(descriptors);
    }
  },
});
