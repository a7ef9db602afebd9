/**
 * Interop with ourselves: our client against our server in-process (one
 * step per case), and the example programs end to end as processes.
 */
import { startInteropServer } from "../../examples/interop/server.ts";
import { ourClientSteps, startPeerServer } from "./_peers.ts";
import { outputWithin, PROCESS_MS, WAIT_MS, within } from "../_bounded.ts";

Deno.test("interop: our client → our server", async (t) => {
  const { server, port } = await within(
    startInteropServer(),
    WAIT_MS,
    "our interop server's start",
  );
  try {
    await ourClientSteps(t, port);
  } finally {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
  }
});

Deno.test("interop: examples/interop client.ts → server.ts (processes)", async () => {
  const dir = new URL("../../examples/interop/", import.meta.url).pathname;
  const server = await startPeerServer(Deno.execPath(), [
    "run",
    "--allow-net",
    `${dir}server.ts`,
    "--port=0",
  ]);
  try {
    const { code, stdout } = await outputWithin(
      Deno.execPath(),
      {
        args: [
          "run",
          "--allow-net",
          `${dir}client.ts`,
          "--server_host=127.0.0.1",
          `--server_port=${server.port}`,
          "--test_case=all",
        ],
        stderr: "inherit",
        env: { NO_COLOR: "1" },
      },
      PROCESS_MS,
      "examples/interop/client.ts",
    );
    const text = new TextDecoder().decode(stdout);
    if (code !== 0) throw new Error(`client.ts exited ${code}:\n${text}`);
    if (!/18\/18 passed/.test(text)) throw new Error(text);
  } finally {
    await server.stop();
  }
});
