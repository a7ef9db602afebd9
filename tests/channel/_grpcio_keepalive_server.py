"""A grpcio (C-core) server enforcing keepalive, for keepalive_grpcio_test.ts.

    /usr/bin/python3 _grpcio_keepalive_server.py --port=0 --min_ping_ms=60000

Prints `READY <port>`. routeguide.RouteGuide/GetFeature (raw bytes, no
protobuf needed) stays silent until the client goes away: a long call on
which a client's keepalive PINGs are all the server hears. C-core counts a
PING sooner than grpc.http2.min_ping_interval_without_data_ms after the
previous one as a strike; more than grpc.http2.max_ping_strikes strikes get
GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
"""

import signal
import sys
import time
from concurrent import futures

import grpc


def flag(name, default):
    for arg in sys.argv[1:]:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return default


def main():
    def silent(request, context):
        while context.is_active():
            time.sleep(0.02)
        return b""

    handler = grpc.method_handlers_generic_handler(
        "routeguide.RouteGuide",
        {"GetFeature": grpc.unary_unary_rpc_method_handler(silent)},
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        handlers=[handler],
        options=[
            ("grpc.http2.min_ping_interval_without_data_ms", int(flag("min_ping_ms", "60000"))),
            ("grpc.http2.max_ping_strikes", 2),
            ("grpc.keepalive_permit_without_calls", 0),
        ],
    )
    port = server.add_insecure_port(f"127.0.0.1:{flag('port', '0')}")
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    print(f"READY {port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
