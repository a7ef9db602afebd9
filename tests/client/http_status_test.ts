/**
 * Non-gRPC answers from real HTTP/2 peers map to gRPC codes
 * (http-grpc-status-mapping.md): nghttpd's 404, nginx's 502 for a dead
 * backend; nginx as a gRPC proxy in front of our server; our server's 415 to
 * a non-gRPC request from nghttp.
 */
import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import {
  disposeWithin,
  outputWithin,
  PROCESS_MS,
  stopWithin,
  WAIT_MS,
  within,
} from "../_bounded.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(
  port: number,
  child: Deno.ChildProcess,
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const c = await within(
        Deno.connect({ hostname: "127.0.0.1", port }),
        WAIT_MS,
        `connect to port ${port}`,
      );
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  await stopWithin(child, WAIT_MS, "a peer that never listened");
  throw new Error(`port ${port} never opened`);
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  await stopWithin(child, WAIT_MS, "the peer");
}

/** A channel to a local port, for `await using` (its close is bounded). */
function channelTo(port: number) {
  return disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
}

function has(cmd: string): boolean {
  try {
    return new Deno.Command("which", { args: [cmd], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "a 404 from nghttpd becomes UNIMPLEMENTED",
  ignore: !has("nghttpd"),
  async fn() {
    const dir = await Deno.makeTempDir();
    const port = freePort();
    const child = new Deno.Command("nghttpd", {
      args: ["--no-tls", "-d", dir, String(port)],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitForPort(port, child);
      await using channel = channelTo(port);
      const error = await within(
        createClient(Greeter, channel).sayHello({}).catch((e) => e),
        WAIT_MS,
        "the call's outcome",
      );
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Code.UNIMPLEMENTED);
      assert.match(error.message, /404/);
    } finally {
      await stop(child);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function nginxConfig(dir: string, port: number, backend: number): string {
  return `
user root;
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} http2;
    location / { grpc_pass grpc://127.0.0.1:${backend}; }
  }
}
`;
}

async function startNginx(
  backend: number,
): Promise<{ child: Deno.ChildProcess; port: number; dir: string }> {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    nginxConfig(dir, port, backend),
  );
  const child = new Deno.Command("nginx", {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port, child);
  return { child, port, dir };
}

Deno.test({
  name: "nginx's 502 for a dead backend becomes UNAVAILABLE",
  ignore: !has("nginx"),
  async fn() {
    const { child, port, dir } = await startNginx(freePort());
    try {
      await using channel = channelTo(port);
      const error = await within(
        createClient(Greeter, channel).sayHello({}).catch((e) => e),
        WAIT_MS,
        "the call's outcome",
      );
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Code.UNAVAILABLE);
    } finally {
      await stop(child);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "calls pass through nginx's grpc_pass to our server, errors included",
  ignore: !has("nginx"),
  async fn() {
    const server = new Server().add(Greeter, {
      sayHello(req) {
        if (req.name === "") {
          throw new GrpcError(Code.INVALID_ARGUMENT, "name required");
        }
        return { message: `Hello ${req.name}` };
      },
    });
    const addr = await within(
      server.listen({ hostname: "127.0.0.1", port: 0 }),
      WAIT_MS,
      "server.listen",
    ) as Deno.NetAddr;
    const { child, port, dir } = await startNginx(addr.port);
    try {
      await using channel = channelTo(port);
      const client = createClient(Greeter, channel);
      for (let i = 0; i < 20; i++) {
        const reply = await within(
          client.sayHello({ name: `n${i}` }),
          WAIT_MS,
          `reply ${i}`,
        );
        assert.equal(reply.message, `Hello n${i}`);
      }
      const error = await within(
        client.sayHello({ name: "" }).catch((e) => e),
        WAIT_MS,
        "the call's outcome",
      );
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.equal(error.rawMessage, "name required");
    } finally {
      await stop(child);
      await within(server.shutdown(), WAIT_MS, "server.shutdown()");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "our server answers 415 to a request that is not gRPC (nghttp)",
  ignore: !has("nghttp"),
  async fn() {
    const server = new Server().add(Greeter, {
      sayHello: () => ({ message: "x" }),
    });
    const addr = await within(
      server.listen({ hostname: "127.0.0.1", port: 0 }),
      WAIT_MS,
      "server.listen",
    ) as Deno.NetAddr;
    try {
      const out = await outputWithin(
        "nghttp",
        {
          args: [
            "-v",
            "-H",
            "content-type: text/plain",
            `http://127.0.0.1:${addr.port}/helloworld.Greeter/SayHello`,
          ],
        },
        PROCESS_MS,
        "nghttp",
      );
      const text = new TextDecoder().decode(out.stdout);
      assert.match(text, /:status: 415/);
    } finally {
      await within(server.shutdown(), WAIT_MS, "server.shutdown()");
    }
  },
});
