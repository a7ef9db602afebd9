/**
 * The classic Greeter server: `deno task greeter:server [port]`.
 *
 * @module
 */
import { Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";

/**
 * Starts a Greeter server.
 *
 * @param port the port (0 picks one)
 * @returns the server and its port
 */
export async function startGreeter(
  port = 50051,
): Promise<{ server: Server; port: number }> {
  const server = new Server().add(Greeter, {
    sayHello: (request) => ({ message: `Hello ${request.name}` }),
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port,
  }) as Deno.NetAddr;
  return { server, port: addr.port };
}

if (import.meta.main) {
  const { port } = await startGreeter(Number(Deno.args[0] ?? 50051));
  console.log(`Greeter listening on 127.0.0.1:${port}`);
}
