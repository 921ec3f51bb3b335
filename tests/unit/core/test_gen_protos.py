"""Checks the generated BuildKit protobuf modules against upstream wire facts (BuildKit v0.13, fsutil)."""

import importlib
from types import ModuleType

import pytest
from depotci.core._gen.errdefs import errdefs_pb2
from depotci.core._gen.fsutil.types import stat_pb2, wire_pb2
from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core._gen.moby.buildkit.v1.types import worker_pb2
from depotci.core._gen.pb import ops_pb2
from depotci.core._gen.rpc import status_pb2
from google.protobuf import any_pb2, descriptor_pool
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

GEN = "depotci.core._gen"

MODULES = [
    "pb.ops_pb2",
    "moby.buildkit.v1.control_pb2",
    "moby.buildkit.v1.control_pb2_grpc",
    "moby.buildkit.v1.types.worker_pb2",
    "moby.buildkit.v1.sourcepolicy.policy_pb2",
    "errdefs.errdefs_pb2",
    "stack.stack_pb2",
    "rpc.status_pb2",
    "fsutil.types.stat_pb2",
    "fsutil.types.wire_pb2",
    "moby.filesync.v1.filesync_pb2",
    "moby.filesync.v1.filesync_pb2_grpc",
    "moby.filesync.v1.auth_pb2",
    "moby.filesync.v1.auth_pb2_grpc",
    "moby.buildkit.secrets.v1.secrets_pb2",
    "moby.buildkit.secrets.v1.secrets_pb2_grpc",
    "moby.sshforward.v1.ssh_pb2",
    "moby.sshforward.v1.ssh_pb2_grpc",
]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{GEN}.{name}")


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_under_namespace(name: str) -> None:
    module = _module(name)
    assert module.__name__ == f"{GEN}.{name}"


# (message full name, field name, upstream field number)
FIELD_NUMBERS = [
    ("moby.buildkit.v1.SolveRequest", "Ref", 1),
    ("moby.buildkit.v1.SolveRequest", "ExporterDeprecated", 3),
    ("moby.buildkit.v1.SolveRequest", "ExporterAttrsDeprecated", 4),
    ("moby.buildkit.v1.SolveRequest", "Session", 5),
    ("moby.buildkit.v1.SolveRequest", "FrontendInputs", 10),
    ("moby.buildkit.v1.SolveRequest", "Internal", 11),
    ("moby.buildkit.v1.SolveRequest", "SourcePolicy", 12),
    ("moby.buildkit.v1.SolveRequest", "Exporters", 13),
    ("moby.buildkit.v1.CacheOptions", "Imports", 5),
    ("moby.buildkit.v1.PruneRequest", "keepBytes", 4),
    ("moby.buildkit.v1.UsageRecord", "Parents", 12),
    ("moby.buildkit.v1.Vertex", "progressGroup", 8),
    ("moby.buildkit.v1.VertexWarning", "url", 5),
    ("moby.buildkit.v1.VertexWarning", "ranges", 7),
    ("moby.buildkit.v1.InfoResponse", "buildkitVersion", 1),
    ("moby.buildkit.v1.types.WorkerRecord", "BuildkitVersion", 5),
    ("moby.buildkit.v1.types.GCPolicy", "filters", 4),
    ("pb.Definition", "Source", 3),
    ("pb.OpMetadata", "progress_group", 6),
    ("pb.SourceInfo", "language", 4),
    ("errdefs.Source", "ranges", 2),
    ("fsutil.types.Packet", "ID", 3),
    ("fsutil.types.Packet", "data", 4),
    ("fsutil.types.Stat", "modTime", 6),
    ("fsutil.types.Stat", "linkname", 7),
    ("fsutil.types.Stat", "xattrs", 10),
    ("moby.filesync.v1.FetchTokenRequest", "Scopes", 5),
    ("moby.buildkit.secrets.v1.GetSecretRequest", "annotations", 2),
    ("depotci.rpc.Status", "details", 3),
]


@pytest.mark.parametrize(("message", "field", "number"), FIELD_NUMBERS)
def test_field_numbers_match_upstream(message: str, field: str, number: int) -> None:
    descriptor: Descriptor = descriptor_pool.Default().FindMessageTypeByName(message)
    assert descriptor.fields_by_name[field].number == number


@pytest.mark.parametrize(
    ("name", "number"),
    [("PACKET_STAT", 0), ("PACKET_REQ", 1), ("PACKET_DATA", 2), ("PACKET_FIN", 3), ("PACKET_ERR", 4)],
)
def test_packet_type_values(name: str, number: int) -> None:
    assert wire_pb2.Packet.PacketType.Value(name) == number


# (service full name, method, client streams, server streams)
SERVICES = [
    ("moby.buildkit.v1.Control", "Solve", False, False),
    ("moby.buildkit.v1.Control", "Status", False, True),
    ("moby.buildkit.v1.Control", "Prune", False, True),
    ("moby.buildkit.v1.Control", "Session", True, True),
    ("moby.buildkit.v1.Control", "Info", False, False),
    ("moby.filesync.v1.FileSync", "DiffCopy", True, True),
    ("moby.filesync.v1.FileSync", "TarStream", True, True),
    ("moby.filesync.v1.FileSend", "DiffCopy", True, True),
    ("moby.filesync.v1.Auth", "VerifyTokenAuthority", False, False),
    ("moby.buildkit.secrets.v1.Secrets", "GetSecret", False, False),
    ("moby.sshforward.v1.SSH", "ForwardAgent", True, True),
]


@pytest.mark.parametrize(("service", "method", "client_streams", "server_streams"), SERVICES)
def test_service_methods(service: str, method: str, client_streams: bool, server_streams: bool) -> None:
    found = descriptor_pool.Default().FindServiceByName(service).methods_by_name[method]
    assert (found.client_streaming, found.server_streaming) == (client_streams, server_streams)


def test_control_service_full_name() -> None:
    assert control_pb2.DESCRIPTOR.services_by_name["Control"].full_name == "moby.buildkit.v1.Control"


def test_google_rpc_status_is_not_registered() -> None:
    with pytest.raises(KeyError):
        descriptor_pool.Default().FindMessageTypeByName("google.rpc.Status")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _google_rpc_status(code: int, message: str, details: list[any_pb2.Any]) -> bytes:
    """Encodes google.rpc.Status by hand (code=1 varint, message=2, details=3), as grpc-go would."""
    out = _varint(1 << 3 | 0) + _varint(code) + _field(2, message.encode())
    return out + b"".join(_field(3, d.SerializeToString()) for d in details)


@pytest.mark.parametrize(
    ("code", "message", "detail"),
    [
        (2, "process did not complete successfully", errdefs_pb2.Vertex(digest="sha256:abc")),
        (
            9,
            "dockerfile parse error",
            errdefs_pb2.Source(
                info=ops_pb2.SourceInfo(filename="Dockerfile", data=b"FROM x\n"),
                ranges=[ops_pb2.Range(start=ops_pb2.Position(line=1), end=ops_pb2.Position(line=1))],
            ),
        ),
        (12, "frontend capability missing", errdefs_pb2.FrontendCap(name="moby.buildkit.frontend.inputs")),
    ],
)
def test_status_standin_decodes_google_rpc_status(code: int, message: str, detail: Message) -> None:
    packed = any_pb2.Any()
    packed.Pack(detail)
    status = status_pb2.Status.FromString(_google_rpc_status(code, message, [packed]))
    assert (status.code, status.message) == (code, message)
    assert status.details[0].type_url == f"type.googleapis.com/{type(detail).DESCRIPTOR.full_name}"
    unpacked = type(detail)()
    assert status.details[0].Unpack(unpacked)
    assert unpacked == detail


def test_errdefs_type_urls_match_upstream_package() -> None:
    packed = any_pb2.Any()
    packed.Pack(errdefs_pb2.Vertex(digest="sha256:abc"))
    assert packed.type_url == "type.googleapis.com/errdefs.Vertex"


def test_stat_and_packet_round_trip() -> None:
    stat = stat_pb2.Stat(path="dir/a", mode=0o644, modTime=1_700_000_000_000_000_000, xattrs={"user.x": b"1"})
    packet = wire_pb2.Packet(type=wire_pb2.Packet.PACKET_STAT, stat=stat, ID=7)
    assert wire_pb2.Packet.FromString(packet.SerializeToString()) == packet


def test_solve_request_exporters_wire_tag() -> None:
    request = control_pb2.SolveRequest(Exporters=[control_pb2.Exporter(Type="image")])
    # field 13, wire type 2 -> tag byte 0x6a
    assert request.SerializeToString()[:1] == b"\x6a"


def test_worker_record_platforms() -> None:
    record = worker_pb2.WorkerRecord(ID="w", platforms=[ops_pb2.Platform(OS="linux", Architecture="amd64")])
    decoded = worker_pb2.WorkerRecord.FromString(record.SerializeToString())
    assert [(p.OS, p.Architecture) for p in decoded.platforms] == [("linux", "amd64")]
