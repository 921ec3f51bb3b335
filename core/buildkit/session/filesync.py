"""FileSync.DiffCopy, the sending side: the daemon pulls local directories (context, dockerfile,
named contexts) from us with fsutil's protocol.

Protocol (fsutil ``send.go``): we send one STAT per entry in walk order and an empty STAT; the daemon
sends REQ packets whose ID is the index of a STAT; we answer each with DATA chunks and an empty DATA;
the daemon sends FIN and we answer FIN. Only files the daemon lacks (compared against its copy keyed by
the session's shared key and the dir name) are requested, so a no-change rebuild sends no file data.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from depotci.core._gen.fsutil.types import stat_pb2
from depotci.core.buildkit.session import packets
from depotci.core.buildkit.session.fswalk import FileStat, WalkFilter, walk
from depotci.core.buildkit.session.rpc import (
    RpcMethodHandler,
    ServicerContext,
    StatusCode,
    stream_stream_rpc_method_handler,
)
from depotci.core.errors import DepotError

__all__ = ["FileSyncService", "TransferStats", "metadata_multi"]

CHUNK = 1 << 20
DIFFCOPY = "/moby.filesync.v1.FileSync/DiffCopy"


@dataclass
class TransferStats:
    """What the daemon pulled: counters for tests and benchmarks."""

    entries_listed: int = 0
    files_sent: int = 0
    bytes_sent: int = 0
    dirs: dict[str, int] = field(default_factory=dict)  # dir name -> bytes sent
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, nbytes: int, files: int) -> None:
        with self.lock:
            self.bytes_sent += nbytes
            self.files_sent += files
            self.dirs[name] = self.dirs.get(name, 0) + nbytes


def metadata_multi(context: ServicerContext) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in context.invocation_metadata() or ():
        out.setdefault(key.lower(), []).append(value if isinstance(value, str) else value.decode())
    return out


def _to_proto(st: FileStat) -> stat_pb2.Stat:
    return stat_pb2.Stat(
        path=st.path,
        mode=st.mode,
        # like BuildKit's Go client (resetUIDAndGID): ownership is not part of the context
        uid=0,
        gid=0,
        size=st.size,
        modTime=st.mod_time,
        linkname=st.linkname,
        devmajor=st.devmajor,
        devminor=st.devminor,
        xattrs=dict(st.xattrs),
    )


def _identity(b: bytes) -> bytes:
    return b


_END = object()


def _err_packet(message: str) -> bytes:
    """PACKET_ERR: the daemon fails the transfer with ``error from sender: <message>``."""
    return bytes(packets.Packet(type=packets.ERR, data=message.encode()).SerializeToString())


class FileSyncService:
    """Serves ``dirs`` (local name -> absolute directory) to the daemon."""

    def __init__(self, dirs: Mapping[str, str], stats: TransferStats | None = None) -> None:
        self.dirs = dict(dirs)
        self.stats = stats or TransferStats()

    def methods(self) -> dict[str, RpcMethodHandler]:
        return {
            DIFFCOPY: stream_stream_rpc_method_handler(
                self._diffcopy, request_deserializer=packets.Packet.FromString, response_serializer=_identity
            )
        }

    def _diffcopy(self, requests: Iterator[Any], context: ServicerContext) -> Iterator[bytes]:
        md = metadata_multi(context)
        name = (md.get("dir-name") or [""])[0]
        root = self.dirs.get(name)
        if root is None:
            context.abort(StatusCode.NOT_FOUND, f"no access allowed to dir {name!r}")
        flt = WalkFilter(
            include_patterns=tuple(md.get("include-patterns", ())),
            exclude_patterns=tuple(md.get("exclude-patterns", ())),
            followpaths=tuple(md.get("followpaths", ())),
        )
        inbox: queue.Queue[Any] = queue.Queue()

        def read() -> None:
            try:
                for pkt in requests:
                    inbox.put(pkt)
            except Exception:  # noqa: BLE001 - the stream broke; the generator ends below
                pass
            inbox.put(_END)

        threading.Thread(target=read, name=f"filesync-{name}", daemon=True).start()
        files: dict[int, str] = {}
        try:
            for index, st in enumerate(walk(root, flt)):
                if st.is_regular():
                    files[index] = st.abspath
                yield packets.stat_packet(_to_proto(st))
                self.stats.entries_listed += 1
        except DepotError as exc:
            yield _err_packet(str(exc))
            return
        yield packets.stat_packet(None)
        yield from self._serve(name, root, files, inbox, context)

    def _serve(
        self, name: str, root: str, files: dict[int, str], inbox: queue.Queue[Any], context: ServicerContext
    ) -> Iterator[bytes]:
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        while True:
            pkt = inbox.get()
            if pkt is _END:
                return
            if pkt.type == packets.REQ:
                path = files.get(pkt.ID)
                if path is None:
                    context.abort(StatusCode.INVALID_ARGUMENT, f"invalid file request {pkt.ID}")
                sent = 0
                try:
                    with open(path, "rb", buffering=0) as f:
                        while True:
                            n = f.readinto(buf)
                            if not n:
                                break
                            sent += n
                            yield packets.data_packet(pkt.ID, view[:n])
                except PermissionError:
                    # fsutil would send an empty file; an unreadable file is the user's error instead
                    rel = os.path.relpath(path, root)
                    yield _err_packet(f"cannot read file {rel!r} in the local directory {root!r}: permission denied")
                    return
                except OSError:
                    pass  # like fsutil, an empty file when it vanished or cannot be opened (races)
                yield packets.data_packet(pkt.ID, b"")
                self.stats.add(name, sent, 1)
            elif pkt.type == packets.FIN:
                yield packets.fin_packet()
                return
            elif pkt.type == packets.ERR:
                context.abort(StatusCode.UNKNOWN, f"error from receiver: {pkt.data.decode(errors='replace')}")
