/**
 * Real proxies for the tests under tests/proxies/: HAProxy (`mode tcp`, an
 * L4 load balancer such as an AWS Classic ELB or NLB) and nginx
 * (`grpc_pass`, an L7 proxy), both from Debian, started on 127.0.0.1 with a
 * configuration in a temporary folder, waited for with bounded connects, and
 * stopped by PID (SIGTERM, then SIGKILL).
 *
 * @module
 */

import { stopWithin, WAIT_MS, within } from "../_bounded.ts";

/** Whether `cmd` is on the PATH (the tests are skipped without it). */
export function has(cmd: string): boolean {
  try {
    return new Deno.Command("which", { args: [cmd], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** A port on `host` with nothing listening (bound, then closed). */
export function freePort(host = "127.0.0.1"): number {
  const listener = Deno.listen({ hostname: host, port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** A proxy process and its configuration folder. */
export interface ProxyProcess extends AsyncDisposable {
  /** The process id. */
  readonly pid: number;
  /** The temporary folder holding its configuration (removed on stop). */
  readonly dir: string;
  /** What it wrote to stderr so far (HAProxy's warnings, nginx's errors). */
  stderr(): string;
  /** Stops it by PID (SIGTERM, SIGKILL after 5 s) and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Starts `command` with `args(dir)` after writing `config(dir)` to
 * `dir/<file>`, and waits until each of `ports` on 127.0.0.1 accepts a
 * connection. A process that exits or never listens fails with its stderr.
 */
async function startProxy(
  name: string,
  command: string,
  file: string,
  config: (dir: string) => string,
  args: (path: string, dir: string) => string[],
  ports: readonly number[],
): Promise<ProxyProcess> {
  const dir = await Deno.makeTempDir({ prefix: `${name}-` });
  const path = `${dir}/${file}`;
  await Deno.writeTextFile(path, config(dir));
  const child = new Deno.Command(command, {
    args: args(path, dir),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let errors = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (errors += text) }),
  ).catch(() => {});
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopWithin(child, 5000, name);
    await within(drained, WAIT_MS, `${name}'s stderr`);
    await Deno.remove(dir, { recursive: true });
  };
  let exited = false;
  child.status.then(() => exited = true);
  try {
    for (const port of ports) {
      await within(
        (async () => {
          for (;;) {
            if (exited) throw new Error(`${name} exited`);
            try {
              (await Deno.connect({ hostname: "127.0.0.1", port })).close();
              return;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          }
        })(),
        WAIT_MS,
        `${name} listening on ${port}`,
      );
    }
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start: ${error}\n${errors}`);
  }
  return {
    pid: child.pid,
    dir,
    stderr: () => errors,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Starts HAProxy in the foreground (`-db`) with `config(dir)` appended to a
 * `global` section (no logs, 256 connections, no `user`: it runs as the test
 * does), and waits for its frontends on `ports`.
 *
 * @example An L4 load balancer with AWS Classic ELB's idle timeout, scaled down
 * ```ts ignore
 * await using lb = await startHaproxy(() => `
 * defaults
 *   mode tcp
 *   timeout connect 1s
 *   timeout client 2s
 *   timeout server 2s
 * listen grpc
 *   bind 127.0.0.1:${port}
 *   server s1 127.0.0.1:${backend}
 * `, [port]);
 * ```
 *
 * @param config the sections after `global` (defaults, listen, …)
 * @param ports the frontend ports on 127.0.0.1 to wait for
 * @returns the running HAProxy
 */
export function startHaproxy(
  config: (dir: string) => string,
  ports: readonly number[],
): Promise<ProxyProcess> {
  return startProxy(
    "haproxy",
    "haproxy",
    "haproxy.cfg",
    (dir) => `global\n  maxconn 256\n${config(dir)}`,
    (path) => ["-db", "-f", path],
    ports,
  );
}

/**
 * Starts nginx in the foreground with `http(dir)` as the body of its `http`
 * block (temp paths and logs kept in `dir`), and waits for `ports`.
 *
 * @example nginx as a gRPC proxy
 * ```ts ignore
 * await using nginx = await startNginx(() => `
 *   server {
 *     listen 127.0.0.1:${port} http2;
 *     location / { grpc_pass grpc://127.0.0.1:${backend}; }
 *   }`, [port]);
 * ```
 *
 * @param http the `http` block's directives and servers
 * @param ports the listening ports on 127.0.0.1 to wait for
 * @returns the running nginx
 */
export function startNginx(
  http: (dir: string) => string,
  ports: readonly number[],
): Promise<ProxyProcess> {
  return startProxy(
    "nginx",
    "nginx",
    "nginx.conf",
    (dir) => `
user root;
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http(dir)}
}
`,
    (path, dir) => ["-p", dir, "-c", path],
    ports,
  );
}
