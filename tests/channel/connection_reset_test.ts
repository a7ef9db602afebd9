/**
 * A peer that resets the connection right after accepting it (a backend
 * process dying with the connection in its listen backlog: seen when the
 * end-to-end tests SIGKILL backends) must fail that one connection, not
 * the client's process.
 */
import assert from "node:assert/strict";
import { Http2Connection } from "../../lib/http2/connection.ts";
import type { Transport } from "../../lib/http2/connection_options.ts";
import { WAIT_MS, within } from "../_bounded.ts";

Deno.test({
  name:
    "a connection reset while the client preface is written closes the connection without an unhandled rejection",
  fn: async () => {
    let endRead: (() => void) | undefined;
    const transport: Transport = {
      read: () => new Promise((resolve) => endRead = () => resolve(null)),
      write: () =>
        Promise.reject(new Deno.errors.ConnectionReset("reset by peer")),
      close: () => endRead?.(),
    };
    const conn = new Http2Connection(transport, { role: "client" });
    conn.ready.catch(() => {});
    const error = await within(conn.closed, WAIT_MS, "connection closed");
    assert.match(String(error?.message), /socket write failed/);
    // An unhandled rejection surfaces after a macrotask turn.
    await new Promise((resolve) => setTimeout(resolve, 10));
  },
});
