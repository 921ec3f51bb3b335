"""The client side of BuildKit's frontend gateway (``moby.buildkit.v1.frontend.LLBBridge``), just enough to
build a bake target whose result another target uses through a ``target:`` context.

How it works (BuildKit ``client.Build``, as buildx drives it): ``Control.Solve`` is sent with no frontend and
no definition, which makes the daemon wait for a client-driven build under that ref; the client then calls
``LLBBridge.Solve`` (the ``buildkit-controlapi-buildid`` metadata names the build) with the real frontend and
its attributes, gets back the result (references with their LLB definitions, plus metadata such as the
image config), and hands that result back with ``LLBBridge.Return``; only then does the daemon export it and
answer the ``Control.Solve``. The definitions are what a dependent target receives as ``FrontendInputs``.

Message types are built here from descriptors (field numbers from BuildKit v0.13 ``gateway.proto``) in a
private package, so they cannot clash with generated code; the wire only carries field numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from depotci.core._gen.pb import ops_pb2
from depotci.core._gen.rpc import status_pb2
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = [
    "BUILD_ID_KEY",
    "GatewayResult",
    "bridge_return",
    "bridge_solve",
    "messages",
]

BUILD_ID_KEY = "buildkit-controlapi-buildid"
_SERVICE = "/moby.buildkit.v1.frontend.LLBBridge/"
_PKG = "depotci.bakegateway"
_FD = descriptor_pb2.FieldDescriptorProto

_STRING, _BOOL, _BYTES, _MSG = _FD.TYPE_STRING, _FD.TYPE_BOOL, _FD.TYPE_BYTES, _FD.TYPE_MESSAGE
_DEF = ".pb.Definition"

# message name -> fields (name, number, type, type name or "", repeated); maps: (name, number, value type, value type name)
_MESSAGES: dict[str, tuple[list[tuple[str, int, Any, str, bool]], list[tuple[str, int, Any, str]]]] = {
    "CacheOptionsEntry": ([("Type", 1, _STRING, "", False)], [("Attrs", 2, _STRING, "")]),
    "SolveRequest": (
        [
            ("Definition", 1, _MSG, _DEF, False),
            ("Frontend", 2, _STRING, "", False),
            ("allowResultReturn", 5, _BOOL, "", False),
            ("allowResultArrayRef", 6, _BOOL, "", False),
            ("CacheImports", 12, _MSG, f".{_PKG}.CacheOptionsEntry", True),
            ("Evaluate", 14, _BOOL, "", False),
        ],
        [("FrontendOpt", 3, _STRING, ""), ("FrontendInputs", 13, _MSG, _DEF)],
    ),
    "Ref": ([("id", 1, _STRING, "", False), ("def", 2, _MSG, _DEF, False)], []),
    "RefMap": ([], [("refs", 1, _MSG, f".{_PKG}.Ref")]),
    "Result": (
        [
            ("refDeprecated", 1, _STRING, "", False),
            ("ref", 3, _MSG, f".{_PKG}.Ref", False),
            ("refs", 4, _MSG, f".{_PKG}.RefMap", False),
        ],
        [("metadata", 10, _BYTES, "")],
    ),
    "SolveResponse": ([("ref", 1, _STRING, "", False), ("result", 3, _MSG, f".{_PKG}.Result", False)], []),
    "ReturnRequest": (
        [
            ("result", 1, _MSG, f".{_PKG}.Result", False),
            ("error", 2, _MSG, f".{status_pb2.DESCRIPTOR.package}.Status", False),
        ],
        [],
    ),
    "ReturnResponse": ([], []),
}


def _field(name: str, number: int, typ: Any, type_name: str, repeated: bool) -> Any:
    label = _FD.LABEL_REPEATED if repeated else _FD.LABEL_OPTIONAL
    f = _FD(name=name, number=number, type=typ, label=label, json_name=name)
    if type_name:
        f.type_name = type_name
    return f


def _build() -> dict[str, Any]:
    fdp = descriptor_pb2.FileDescriptorProto(
        name="depotci/core/commands/bake_gateway.proto",
        package=_PKG,
        syntax="proto3",
        dependency=[ops_pb2.DESCRIPTOR.name, status_pb2.DESCRIPTOR.name],
    )
    for name, (fields, maps) in _MESSAGES.items():
        msg = fdp.message_type.add(name=name)
        msg.field.extend(_field(*f) for f in fields)
        for map_name, number, vtype, vtype_name in maps:
            entry = f"{map_name[0].upper()}{map_name[1:]}Entry"
            nested = msg.nested_type.add(name=entry)
            nested.options.map_entry = True
            nested.field.extend([_field("key", 1, _STRING, "", False), _field("value", 2, vtype, vtype_name, False)])
            msg.field.append(_field(map_name, number, _MSG, f".{_PKG}.{name}.{entry}", True))
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(fdp.name)
    except KeyError:
        pool.Add(fdp)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.{name}")) for name in _MESSAGES}


_CLASSES: dict[str, Any] = {}


def messages() -> dict[str, Any]:
    """The gateway message classes by name (built once)."""
    if not _CLASSES:
        _CLASSES.update(_build())
    return _CLASSES


@dataclass
class GatewayResult:
    """What ``LLBBridge.Solve`` returned: the definition of each result reference (serialized
    ``pb.Definition``; key ``""`` for a single result, else the platform), the result metadata, and the raw
    result message to hand back with ``bridge_return``."""

    definitions: dict[str, bytes] = field(default_factory=dict)
    metadata: dict[str, bytes] = field(default_factory=dict)
    raw: Any = None

    @property
    def single(self) -> bool:
        """True when the frontend returned one reference (not one per platform)."""
        return list(self.definitions) == [""]


def _call(conn: Any, method: str, request: Any, response_name: str, build_ref: str, timeout: float | None) -> Any:
    cls = messages()[response_name]
    stub = conn.channel.unary_unary(
        _SERVICE + method, request_serializer=lambda m: m.SerializeToString(), response_deserializer=cls.FromString
    )
    return stub(request, metadata=[(BUILD_ID_KEY, build_ref)], timeout=timeout)


def bridge_solve(
    conn: Any,
    build_ref: str,
    frontend: str,
    attrs: Mapping[str, str],
    frontend_inputs: Mapping[str, bytes] | None = None,
    timeout: float | None = None,
) -> GatewayResult:
    """Run ``frontend`` with ``attrs`` inside the client-driven build ``build_ref``; raises ``grpc.RpcError``.

    ``frontend_inputs`` maps input names to serialized ``pb.Definition`` messages.
    """
    m = messages()
    req = m["SolveRequest"](Frontend=frontend, allowResultReturn=True, allowResultArrayRef=True)
    for key, value in attrs.items():
        req.FrontendOpt[key] = value
    for key, data in (frontend_inputs or {}).items():
        req.FrontendInputs[key].MergeFromString(data)
    resp = _call(conn, "Solve", req, "SolveResponse", build_ref, timeout)
    res = resp.result
    out = GatewayResult(metadata=dict(res.metadata), raw=res)
    if res.HasField("refs"):
        out.definitions = {k: getattr(r, "def").SerializeToString() for k, r in res.refs.refs.items()}
    elif res.HasField("ref"):
        out.definitions = {"": getattr(res.ref, "def").SerializeToString()}
    return out


def bridge_return(
    conn: Any, build_ref: str, result: GatewayResult | None = None, error: str = "", timeout: float | None = 60.0
) -> None:
    """Finish the client-driven build ``build_ref`` with ``result`` (the daemon then exports it) or with
    ``error`` (the ``Control.Solve`` then fails with that message, gRPC code UNKNOWN)."""
    m = messages()
    req = m["ReturnRequest"]()
    if result is not None and result.raw is not None:
        req.result.CopyFrom(result.raw)
    if error:
        req.error.code = 2
        req.error.message = error
    _call(conn, "Return", req, "ReturnResponse", build_ref, timeout)
