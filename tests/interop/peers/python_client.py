"""grpcio (C-core) interop client, a peer for tests/interop/.

    /usr/bin/python3 python_client.py --descriptor_set=FILE \
        --server_host=127.0.0.1 --server_port=N --test_case=all
        [--use_tls=true [--ca_file=PEM] [--server_host_override=NAME]]

Prints one JSON line per case: {"name", "ok", "error"?, "notes"}; exits 1 if
any case failed. grpcio cannot see the Compressed-Flag of responses
(server_compressed_* check sizes only) and cannot turn compression off for
one request message (client_compressed_streaming sends both compressed).
"""

import json
import queue
import sys
import time

import grpc

from _python_common import METHODS, Messages, flags

SPECIAL = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


class CaseError(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CaseError(message)


def main():
    args = flags()
    m = Messages(args["descriptor_set"])
    target = "%s:%s" % (args.get("server_host", "127.0.0.1"), args.get("server_port", "10000"))
    if args.get("use_tls") == "true":
        # --ca_file=PEM, --server_host_override=NAME (certificate name and
        # :authority), as gRPC's own interop client.
        ca = None
        if "ca_file" in args:
            with open(args["ca_file"], "rb") as f:
                ca = f.read()
        options = []
        if "server_host_override" in args:
            options.append(("grpc.ssl_target_name_override", args["server_host_override"]))
            options.append(("grpc.default_authority", args["server_host_override"]))
        channel = grpc.secure_channel(
            target, grpc.ssl_channel_credentials(root_certificates=ca), options=options
        )
    else:
        channel = grpc.insecure_channel(target)
    stubs = {}
    for name, req, res, req_stream, res_stream in METHODS:
        kind = {
            (False, False): channel.unary_unary,
            (False, True): channel.unary_stream,
            (True, False): channel.stream_unary,
            (True, True): channel.stream_stream,
        }[(req_stream, res_stream)]
        stubs[name] = kind(
            "/grpc.testing.TestService/" + name,
            request_serializer=getattr(m, req).SerializeToString,
            response_deserializer=getattr(m, res).FromString,
        )
    unimplemented_stub = channel.unary_unary(
        "/grpc.testing.UnimplementedService/UnimplementedCall",
        request_serializer=m.Empty.SerializeToString,
        response_deserializer=m.Empty.FromString,
    )

    def large(**kw):
        r = m.SimpleRequest(response_size=314159, **kw)
        r.payload.body = bytes(271828)
        return r

    def expect_code(fn, code):
        try:
            fn()
        except grpc.RpcError as e:
            check(e.code() == code, "expected %s, got %s: %s" % (code, e.code(), e.details()))
            return e
        raise CaseError("expected %s, the call succeeded" % code)

    def probe(notes, fn):
        try:
            fn()
            notes.append("server does not check expect_compressed (probe succeeded)")
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise

    def out_request(sizes=(), body=0, status=None):
        r = m.StreamingOutputCallRequest()
        for s in sizes:
            r.response_parameters.add(size=s)
        if body:
            r.payload.body = bytes(body)
        if status:
            r.response_status.code, r.response_status.message = status
        return r

    def in_request(body, expect=None):
        r = m.StreamingInputCallRequest()
        r.payload.body = bytes(body)
        if expect is not None:
            r.expect_compressed.value = expect
        return r

    def check_sizes(responses, sizes):
        check(len(responses) == len(sizes), "got %d responses" % len(responses))
        for i, (r, s) in enumerate(zip(responses, sizes)):
            check(len(r.payload.body) == s, "response %d: %d bytes" % (i, len(r.payload.body)))

    echo_md = ((ECHO_INITIAL, "test_initial_metadata_value"), (ECHO_TRAILING, b"\xab\xab\xab"))

    def check_echo(initial, trailing):
        initial, trailing = dict(initial), dict(trailing)
        check(initial.get(ECHO_INITIAL) == "test_initial_metadata_value",
              "initial metadata: %r" % initial.get(ECHO_INITIAL))
        check(trailing.get(ECHO_TRAILING) == b"\xab\xab\xab",
              "trailing metadata: %r" % trailing.get(ECHO_TRAILING))

    def empty_unary(notes):
        stubs["EmptyCall"](m.Empty())

    def large_unary(notes):
        r = stubs["UnaryCall"](large())
        check(len(r.payload.body) == 314159, "wrong size")

    def client_compressed_unary(notes):
        def req(expect):
            r = large()
            r.expect_compressed.value = expect
            return r
        probe(notes, lambda: stubs["UnaryCall"](req(True)))
        r = stubs["UnaryCall"](req(True), compression=grpc.Compression.Gzip)
        check(len(r.payload.body) == 314159, "wrong size")
        r = stubs["UnaryCall"](req(False))
        check(len(r.payload.body) == 314159, "wrong size")

    def server_compressed_unary(notes):
        for value in (True, False):
            r = large()
            r.response_compressed.value = value
            res = stubs["UnaryCall"](r)
            check(len(res.payload.body) == 314159, "wrong size")
        notes.append("Compressed-Flag of responses not observable; sizes only")

    def client_streaming(notes):
        r = stubs["StreamingInputCall"](iter([in_request(n) for n in (27182, 8, 1828, 45904)]))
        check(r.aggregated_payload_size == 74922, "got %d" % r.aggregated_payload_size)

    def client_compressed_streaming(notes):
        probe(notes, lambda: stubs["StreamingInputCall"](iter([in_request(27182, True)])))
        r = stubs["StreamingInputCall"](
            iter([in_request(27182, True), in_request(45904, False)]),
            compression=grpc.Compression.Gzip,
        )
        check(r.aggregated_payload_size == 73086, "got %d" % r.aggregated_payload_size)
        notes.append("per-message compression off not supported: both gzip")

    def server_streaming(notes):
        sizes = (31415, 9, 2653, 58979)
        check_sizes(list(stubs["StreamingOutputCall"](out_request(sizes))), sizes)

    def server_compressed_streaming(notes):
        r = m.StreamingOutputCallRequest()
        r.response_parameters.add(size=31415).compressed.value = True
        r.response_parameters.add(size=92653).compressed.value = False
        check_sizes(list(stubs["StreamingOutputCall"](r)), (31415, 92653))
        notes.append("Compressed-Flag of responses not observable; sizes only")

    def ping_pong(notes):
        requests = queue.Queue()
        done = object()

        def gen():
            while True:
                item = requests.get()
                if item is done:
                    return
                yield item

        call = stubs["FullDuplexCall"](gen())
        for body, size in zip((27182, 8, 1828, 45904), (31415, 9, 2653, 58979)):
            requests.put(out_request((size,), body))
            r = next(call)
            check(len(r.payload.body) == size, "response size %d" % len(r.payload.body))
        requests.put(done)
        check(next(call, None) is None, "more than four responses")

    def empty_stream(notes):
        check(len(list(stubs["FullDuplexCall"](iter([])))) == 0, "got responses")

    def timeout_on_sleeping_server(notes):
        requests = queue.Queue()

        def gen():
            yield out_request(body=27182)
            requests.get()  # never half-close before the deadline

        call = stubs["FullDuplexCall"](gen(), timeout=0.001)
        try:
            expect_code(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            requests.put(None)

    def cancel_after_begin(notes):
        requests = queue.Queue()

        def gen():
            requests.get()
            return
            yield

        future = stubs["StreamingInputCall"].future(gen())
        future.cancel()
        requests.put(None)
        check(future.code() == grpc.StatusCode.CANCELLED, "status %s" % future.code())

    def cancel_after_first_response(notes):
        requests = queue.Queue()

        def gen():
            yield out_request((31415,), 27182)
            requests.get()

        call = stubs["FullDuplexCall"](gen())
        r = next(call)
        check(len(r.payload.body) == 31415, "first response size")
        call.cancel()
        requests.put(None)
        expect_code(lambda: list(call), grpc.StatusCode.CANCELLED)

    def status_code_and_message(notes):
        r = m.SimpleRequest()
        r.response_status.code, r.response_status.message = 2, "test status message"
        e = expect_code(lambda: stubs["UnaryCall"](r), grpc.StatusCode.UNKNOWN)
        check(e.details() == "test status message", "unary message %r" % e.details())
        call = stubs["FullDuplexCall"](iter([out_request(status=(2, "test status message"))]))
        e = expect_code(lambda: list(call), grpc.StatusCode.UNKNOWN)
        check(e.details() == "test status message", "bidi message %r" % e.details())

    def special_status_message(notes):
        r = m.SimpleRequest()
        r.response_status.code, r.response_status.message = 2, SPECIAL
        e = expect_code(lambda: stubs["UnaryCall"](r), grpc.StatusCode.UNKNOWN)
        check(e.details() == SPECIAL, "message %r" % e.details())

    def custom_metadata(notes):
        res, call = stubs["UnaryCall"].with_call(large(), metadata=echo_md)
        check(len(res.payload.body) == 314159, "wrong size")
        check_echo(call.initial_metadata(), call.trailing_metadata())
        call = stubs["FullDuplexCall"](iter([out_request((314159,), 271828)]), metadata=echo_md)
        check_sizes(list(call), (314159,))
        check_echo(call.initial_metadata(), call.trailing_metadata())

    def unimplemented_method(notes):
        expect_code(lambda: stubs["UnimplementedCall"](m.Empty()), grpc.StatusCode.UNIMPLEMENTED)

    def unimplemented_service(notes):
        expect_code(lambda: unimplemented_stub(m.Empty()), grpc.StatusCode.UNIMPLEMENTED)

    cases = [
        empty_unary, large_unary, client_compressed_unary, server_compressed_unary,
        client_streaming, client_compressed_streaming, server_streaming,
        server_compressed_streaming, ping_pong, empty_stream, timeout_on_sleeping_server,
        cancel_after_begin, cancel_after_first_response, status_code_and_message,
        special_status_message, custom_metadata, unimplemented_method, unimplemented_service,
    ]
    by_name = {c.__name__: c for c in cases}
    test_case = args.get("test_case", "all")
    names = list(by_name) if test_case == "all" else test_case.split(",")
    failed = 0
    for name in names:
        notes = []
        start = time.monotonic()
        try:
            if name not in by_name:
                raise CaseError("unknown test case")
            by_name[name](notes)
            result = {"name": name, "ok": True, "notes": notes}
        except CaseError as e:
            result = {"name": name, "ok": False, "error": str(e), "notes": notes}
        except grpc.RpcError as e:
            result = {"name": name, "ok": False, "error": "%s: %s" % (e.code(), e.details()),
                      "notes": notes}
        except Exception as e:  # noqa: BLE001 - report, keep going
            result = {"name": name, "ok": False, "error": repr(e), "notes": notes}
        if not result["ok"]:
            failed += 1
        result["ms"] = (time.monotonic() - start) * 1000
        print(json.dumps(result), flush=True)
    channel.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
