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
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  child.kill();
  throw new Error(`port ${port} never opened`);
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  await child.status;
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
      await using channel = createChannel(`127.0.0.1:${port}`);
      const error = await createClient(Greeter, channel).sayHello({}).catch((
        e,
      ) => e);
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
      await using channel = createChannel(`127.0.0.1:${port}`);
      const error = await createClient(Greeter, channel).sayHello({}).catch((
        e,
      ) => e);
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
    const addr = await server.listen({
      hostname: "127.0.0.1",
      port: 0,
    }) as Deno.NetAddr;
    const { child, port, dir } = await startNginx(addr.port);
    try {
      await using channel = createChannel(`127.0.0.1:${port}`);
      const client = createClient(Greeter, channel);
      for (let i = 0; i < 20; i++) {
        assert.equal(
          (await client.sayHello({ name: `n${i}` })).message,
          `Hello n${i}`,
        );
      }
      const error = await client.sayHello({ name: "" }).catch((e) => e);
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.equal(error.rawMessage, "name required");
    } finally {
      await stop(child);
      await server.shutdown();
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
    const addr = await server.listen({
      hostname: "127.0.0.1",
      port: 0,
    }) as Deno.NetAddr;
    try {
      const out = await new Deno.Command("nghttp", {
        args: [
          "-v",
          "-H",
          "content-type: text/plain",
          `http://127.0.0.1:${addr.port}/helloworld.Greeter/SayHello`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.match(text, /:status: 415/);
    } finally {
      await server.shutdown();
    }
  },
});
