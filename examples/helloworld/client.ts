/**
 * The classic Greeter client: `deno task greeter:client [port] [name]`.
 *
 * @module
 */
import { createChannel, createClient } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";

/**
 * Calls SayHello once.
 *
 * @param port the server's port
 * @param name who to greet
 * @returns the greeting
 */
export async function greet(port = 50051, name = "world"): Promise<string> {
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  const reply = await client.sayHello({ name });
  return reply.message;
}

if (import.meta.main) {
  const message = await greet(
    Number(Deno.args[0] ?? 50051),
    Deno.args[1] ?? "world",
  );
  console.log(`Greeting: ${message}`);
}
