"""Shared helpers of the grpcio (C-core) interop peers.

Message classes are built at run time from a FileDescriptorSet (the test
harness writes one from gen/'s embedded descriptors), so no grpcio-tools
codegen is needed.
"""

import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool

try:  # protobuf >= 4.21.8 (upb)
    from google.protobuf.message_factory import GetMessageClass as _get_class
except ImportError:  # older protobuf
    from google.protobuf import message_factory as _mf

    _factory = None

    def _get_class(desc):
        global _factory
        if _factory is None:
            _factory = _mf.MessageFactory(desc.file.pool)
        return _factory.GetPrototype(desc)


def flags(argv=None):
    """Parses --name=value flags."""
    out = {}
    for arg in (sys.argv[1:] if argv is None else argv):
        if arg.startswith("--") and "=" in arg:
            name, value = arg[2:].split("=", 1)
            out[name] = value
    return out


class Messages:
    """grpc.testing message classes by short name."""

    def __init__(self, descriptor_set_path):
        with open(descriptor_set_path, "rb") as f:
            fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        pool = descriptor_pool.DescriptorPool()
        for file in fds.file:
            pool.Add(file)
        for name in (
            "Empty",
            "SimpleRequest",
            "SimpleResponse",
            "StreamingInputCallRequest",
            "StreamingInputCallResponse",
            "StreamingOutputCallRequest",
            "StreamingOutputCallResponse",
        ):
            desc = pool.FindMessageTypeByName("grpc.testing." + name)
            setattr(self, name, _get_class(desc))


# (method name, request class, response class, request streaming, response streaming)
METHODS = (
    ("EmptyCall", "Empty", "Empty", False, False),
    ("UnaryCall", "SimpleRequest", "SimpleResponse", False, False),
    ("StreamingOutputCall", "StreamingOutputCallRequest",
     "StreamingOutputCallResponse", False, True),
    ("StreamingInputCall", "StreamingInputCallRequest",
     "StreamingInputCallResponse", True, False),
    ("FullDuplexCall", "StreamingOutputCallRequest",
     "StreamingOutputCallResponse", True, True),
    ("HalfDuplexCall", "StreamingOutputCallRequest",
     "StreamingOutputCallResponse", True, True),
    ("UnimplementedCall", "Empty", "Empty", False, False),
)

STATUS_BY_CODE = {s.value[0]: s for s in grpc.StatusCode}
