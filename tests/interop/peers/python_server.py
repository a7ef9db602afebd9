"""grpcio (C-core) interop TestService server, a peer for tests/interop/.

    /usr/bin/python3 python_server.py --descriptor_set=FILE --port=0
        [--use_tls=true --tls_cert_file=PEM --tls_key_file=PEM
         [--client_ca_file=PEM]]

Prints `READY <port>`. Implements CompressedResponse per message
(set_compression + disable_next_message_compression); CompressedRequest is
not checked (grpcio hides the Compressed-Flag).
"""

import signal
import sys
import threading
import time
from concurrent import futures

import grpc

from _python_common import METHODS, STATUS_BY_CODE, Messages, flags

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def main():
    args = flags()
    m = Messages(args["descriptor_set"])

    def echo(context):
        md = dict(context.invocation_metadata())
        if ECHO_INITIAL in md:
            context.send_initial_metadata(((ECHO_INITIAL, md[ECHO_INITIAL]),))
        if ECHO_TRAILING in md:
            context.set_trailing_metadata(((ECHO_TRAILING, md[ECHO_TRAILING]),))

    def echo_status(request, context):
        if request.HasField("response_status") and request.response_status.code != 0:
            context.abort(
                STATUS_BY_CODE.get(request.response_status.code, grpc.StatusCode.UNKNOWN),
                request.response_status.message,
            )

    def payload(size):
        p = m.SimpleResponse().payload
        p.body = bytes(size)
        return p

    def respond(request, context):
        if any(p.compressed.value for p in request.response_parameters):
            context.set_compression(grpc.Compression.Gzip)
        for p in request.response_parameters:
            if p.interval_us > 0:
                time.sleep(p.interval_us / 1e6)
            if not p.compressed.value:
                context.disable_next_message_compression()
            resp = m.StreamingOutputCallResponse()
            resp.payload.body = bytes(p.size)
            yield resp

    def empty_call(request, context):
        echo(context)
        return m.Empty()

    def unary_call(request, context):
        echo(context)
        echo_status(request, context)
        if request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        resp = m.SimpleResponse()
        resp.payload.body = bytes(request.response_size)
        return resp

    def streaming_output_call(request, context):
        echo(context)
        yield from respond(request, context)
        echo_status(request, context)

    def streaming_input_call(requests, context):
        echo(context)
        total = sum(len(r.payload.body) for r in requests)
        return m.StreamingInputCallResponse(aggregated_payload_size=total)

    def full_duplex_call(requests, context):
        echo(context)
        for request in requests:
            echo_status(request, context)
            yield from respond(request, context)

    def half_duplex_call(requests, context):
        echo(context)
        for request in list(requests):
            echo_status(request, context)
            yield from respond(request, context)

    impls = {
        "EmptyCall": empty_call,
        "UnaryCall": unary_call,
        "StreamingOutputCall": streaming_output_call,
        "StreamingInputCall": streaming_input_call,
        "FullDuplexCall": full_duplex_call,
        "HalfDuplexCall": half_duplex_call,
    }
    handlers = {}
    for name, req, res, req_stream, res_stream in METHODS:
        if name not in impls:
            continue
        kind = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }[(req_stream, res_stream)]
        handlers[name] = kind(
            impls[name],
            request_deserializer=getattr(m, req).FromString,
            response_serializer=getattr(m, res).SerializeToString,
        )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("grpc.testing.TestService", handlers),)
    )
    host = args.get("host", "127.0.0.1")
    address = "%s:%s" % (host, args.get("port", "10000"))
    if args.get("use_tls") == "true":
        # --tls_cert_file, --tls_key_file; --client_ca_file also requires
        # client certificates signed by that CA.
        def read(name):
            with open(args[name], "rb") as f:
                return f.read()

        client_ca = read("client_ca_file") if "client_ca_file" in args else None
        credentials = grpc.ssl_server_credentials(
            [(read("tls_key_file"), read("tls_cert_file"))],
            root_certificates=client_ca,
            require_client_auth=client_ca is not None,
        )
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    server.start()
    print("READY %d" % port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop(0.5).wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
