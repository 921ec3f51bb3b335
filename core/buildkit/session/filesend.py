"""FileSend.DiffCopy, the receiving side: exporter results coming back to us.

The ``buildkit-attachable-exporter-id`` metadata names the exporter (its index in the solve's
exporter list). File outputs (``tar``, ``oci``, ``docker``) arrive as raw bytes in BytesMessages;
directory outputs (``local``) arrive with fsutil's protocol, where we are the receiver: the daemon
sends STATs, we REQuest every regular file, it sends DATA, we send FIN. A ``load`` target hands the
bytes of a file output to a sink as they arrive (``--load`` from a builder that is not the local Docker
Engine: the docker tarball streams into the Engine's image load).
"""

from __future__ import annotations

import os
import stat as stat_mod
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, Literal

from depotci.core.buildkit.session import gomode, packets
from depotci.core.buildkit.session.filesync import metadata_multi
from depotci.core.buildkit.session.rpc import (
    RpcMethodHandler,
    ServicerContext,
    StatusCode,
    stream_stream_rpc_method_handler,
)

__all__ = ["FileSendService", "OutputTarget"]

DIFFCOPY = "/moby.filesync.v1.FileSend/DiffCopy"
_GO_DIR = gomode.MODE_DIR
_GO_SYMLINK = gomode.MODE_SYMLINK
_GO_TYPE = gomode.MODE_TYPE  # type bits only: setuid/setgid/sticky files are still regular


@dataclass(frozen=True)
class OutputTarget:
    """Where exporter ``id`` writes: a file (``-`` is stdout), a directory, or (``load``) ``sink``, which
    consumes the bytes as they arrive and raises an exception with a one-line message when it fails."""

    kind: Literal["file", "dir", "load"]
    path: str = ""
    sink: Callable[[Iterable[bytes]], object] | None = None


def _identity(b: bytes) -> bytes:
    return b


def _bytes_message(data: bytes) -> Any:
    return data


class FileSendService:
    def __init__(self, targets: Mapping[int, OutputTarget]) -> None:
        self.targets = dict(targets)

    def methods(self) -> dict[str, RpcMethodHandler]:
        return {
            DIFFCOPY: stream_stream_rpc_method_handler(
                self._diffcopy, request_deserializer=_identity, response_serializer=_identity
            )
        }

    def _diffcopy(self, requests: Iterator[bytes], context: ServicerContext) -> Iterator[bytes]:
        md = metadata_multi(context)
        try:
            exporter_id = int((md.get("buildkit-attachable-exporter-id") or ["0"])[0])
        except ValueError:
            exporter_id = 0
        target = self.targets.get(exporter_id)
        if target is None:
            context.abort(StatusCode.NOT_FOUND, f"exporter {exporter_id} not found")
        if target.kind == "load" and target.sink is not None:
            try:
                target.sink(_bytes_data(raw) for raw in requests)
            except Exception as exc:  # noqa: BLE001 - the sink's failure becomes the export's error
                context.abort(StatusCode.UNKNOWN, str(exc))
            return iter(())
        if target.kind == "file":
            _receive_file(requests, target.path, context)
            return iter(())
        return _receive_dir(requests, target.path, context)


def _bytes_data(raw: bytes) -> bytes:
    """BytesMessage{data=1} -> data, decoded by hand (hot path, no copy of large payloads beyond one)."""
    if not raw:
        return b""
    if raw[0] != 0x0A:
        return b""
    pos, length, shift = 1, 0, 0
    while True:
        b = raw[pos]
        pos += 1
        length |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
    return raw[pos : pos + length]


def _receive_file(requests: Iterator[bytes], path: str, context: ServicerContext) -> None:
    out: BinaryIO
    if path == "-":
        out = sys.stdout.buffer
    else:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        out = open(path + ".partial", "wb")  # noqa: SIM115 - closed below, renamed on success
    ok = False
    try:
        for raw in requests:
            out.write(_bytes_data(raw))
        # grpcio may end the request iterator normally on cancel: only a live call is complete
        ok = context.is_active()
    finally:
        if out is not sys.stdout.buffer:
            out.close()
            if ok:
                os.replace(path + ".partial", path)
            else:
                os.unlink(path + ".partial")
        else:
            out.flush()


def _receive_dir(requests: Iterator[bytes], dest: str, context: ServicerContext) -> Iterator[bytes]:
    os.makedirs(dest, exist_ok=True)
    files: dict[int, Any] = {}
    metas: list[tuple[str, Any]] = []
    for index, raw in enumerate(requests):
        pkt = packets.Packet.FromString(raw)
        if pkt.type != packets.STAT:
            context.abort(StatusCode.INVALID_ARGUMENT, f"unexpected packet {pkt.type} while listing")
        if not pkt.HasField("stat"):
            break
        st = pkt.stat
        target = os.path.join(dest, *st.path.split("/"))
        if not os.path.abspath(target).startswith(os.path.abspath(dest) + os.sep):
            context.abort(StatusCode.INVALID_ARGUMENT, f"path escapes the destination: {st.path}")
        if st.mode & _GO_DIR:
            os.makedirs(target, exist_ok=True)
            metas.append((target, st))
        elif st.mode & _GO_SYMLINK:
            if os.path.lexists(target):
                os.unlink(target)
            os.symlink(st.linkname, target)
        elif not st.mode & _GO_TYPE:
            files[index] = (target, st)
    for file_id in files:
        yield packets.req_packet(file_id)
    open_files: dict[int, BinaryIO] = {}
    remaining = set(files)
    try:
        _receive_data(requests, files, open_files, remaining, context)
    finally:
        for f in open_files.values():
            f.close()
    for target, st in reversed(metas):
        os.chmod(target, stat_mod.S_IMODE(gomode.unix_mode(st.mode)))
    yield packets.fin_packet()
    for raw in requests:  # wait for the sender's FIN and the end of the stream
        if packets.Packet.FromString(raw).type == packets.FIN:
            break


def _receive_data(
    requests: Iterator[bytes],
    files: dict[int, Any],
    open_files: dict[int, BinaryIO],
    remaining: set[int],
    context: ServicerContext,
) -> None:
    """Write DATA packets into the requested files until every one has ended."""
    if remaining:
        for raw in requests:
            pkt = packets.Packet.FromString(raw)
            if pkt.type == packets.DATA:
                path, st = files[pkt.ID]
                f = open_files.get(pkt.ID)
                if f is None:
                    f = open_files[pkt.ID] = open(path, "wb")  # noqa: SIM115 - closed on the empty DATA
                if pkt.data:
                    f.write(pkt.data)
                    continue
                f.close()
                del open_files[pkt.ID]
                os.chmod(path, stat_mod.S_IMODE(gomode.unix_mode(st.mode)))
                os.utime(path, ns=(st.modTime, st.modTime))
                remaining.discard(pkt.ID)
                if not remaining:
                    break
            elif pkt.type == packets.ERR:
                context.abort(StatusCode.UNKNOWN, f"error from sender: {pkt.data.decode(errors='replace')}")
