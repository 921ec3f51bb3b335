"""An OCI-layout content store on disk: what containerd's ``content/local`` store is to BuildKit's Go
client (``contentlocal.NewStore(dir)`` for ``--cache-to/--cache-from type=local``).

Committed blobs live at ``blobs/<alg>/<hex>`` (read-only, mode 0444). Writes go to
``ingest/<sha256(ref)>/`` (``data``, ``ref``, ``startedat``, ``updatedat``, ``total``) and are renamed
into ``blobs/`` only once their size and digest are verified, so a reader never sees a partial blob. An
ingest left by a broken write is resumed by the next writer of the same ref (its data is re-hashed). One
writer per ref at a time (in this process): a second one gets UNAVAILABLE. Errors are ``StoreError``
carrying the gRPC status containerd's service returns for them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from depotci.core.buildkit.rpc_status import StatusCode

__all__ = ["BlobInfo", "IngestStatus", "LocalStore", "StoreError", "Writer", "parse_digest"]

_DIGEST = re.compile(r"^(sha256|sha384|sha512):([a-f0-9]+)$")
_HEX_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}
READ_CHUNK = 1 << 20  # containerd's contentserver sends reads in 1 MiB messages


class StoreError(Exception):
    """A store failure with the gRPC status code it maps to."""

    def __init__(self, code: StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BlobInfo:
    """A committed blob (times in ns since the epoch: created = mtime, updated = atime, as containerd)."""

    digest: str
    size: int
    created_ns: int
    updated_ns: int


@dataclass(frozen=True)
class IngestStatus:
    """An ongoing (or abandoned) write."""

    ref: str
    offset: int
    total: int
    started_ns: int
    updated_ns: int
    expected: str = ""


def parse_digest(value: str) -> tuple[str, str]:
    """``alg:hex`` → (alg, hex); StoreError(INVALID_ARGUMENT) when it is not a valid digest."""
    m = _DIGEST.match(value)
    if m is None or len(m.group(2)) != _HEX_LEN[m.group(1)]:
        raise StoreError(StatusCode.INVALID_ARGUMENT, f"{value!r} failed validation")
    return m.group(1), m.group(2)


class LocalStore:
    """The content store of one OCI-layout directory ``root`` (created lazily by the first write)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._locked: set[str] = set()

    def blob_path(self, digest: str) -> str:
        alg, hexpart = parse_digest(digest)
        return os.path.join(self.root, "blobs", alg, hexpart)

    def exists(self, digest: str) -> bool:
        return os.path.isfile(self.blob_path(digest))

    def info(self, digest: str) -> BlobInfo:
        """The committed blob ``digest``; NOT_FOUND when it is not in the store."""
        try:
            st = os.stat(self.blob_path(digest))
        except OSError:
            raise StoreError(StatusCode.NOT_FOUND, f"content digest {digest}: not found") from None
        return BlobInfo(digest, st.st_size, st.st_mtime_ns, st.st_atime_ns)

    def read(self, digest: str, offset: int = 0, size: int = 0) -> Iterator[tuple[int, bytes]]:
        """``(offset, data)`` chunks of ``size`` bytes from ``offset`` (containerd's Read: a negative offset
        reads from 0, ``size <= 0`` or past the end reads to the end, an offset past the end is OUT_OF_RANGE).
        Errors are raised before the first chunk."""
        actual = self.info(digest).size
        offset = max(offset, 0)
        if offset > actual:
            raise StoreError(StatusCode.OUT_OF_RANGE, f"read past object length {actual} bytes")
        if size <= 0 or offset + size > actual:
            size = actual - offset
        f = open(self.blob_path(digest), "rb")  # noqa: SIM115 - closed by the generator
        return _chunks(f, offset, size)

    def walk(self) -> Iterator[BlobInfo]:
        """Every committed blob."""
        base = os.path.join(self.root, "blobs")
        for alg in sorted(_HEX_LEN):
            folder = os.path.join(base, alg)
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            for name in names:
                if len(name) == _HEX_LEN[alg] and os.path.isfile(os.path.join(folder, name)):
                    yield self.info(f"{alg}:{name}")

    def delete(self, digest: str) -> None:
        try:
            os.unlink(self.blob_path(digest))
        except FileNotFoundError:
            raise StoreError(StatusCode.NOT_FOUND, f"content {digest}: not found") from None

    def _ingest(self, ref: str) -> str:
        return os.path.join(self.root, "ingest", hashlib.sha256(ref.encode()).hexdigest())

    def status(self, ref: str) -> IngestStatus:
        """The write of ``ref``; NOT_FOUND when there is none."""
        path = self._ingest(ref)
        try:
            stored_ref = _read_text(path, "ref")
            offset = os.stat(os.path.join(path, "data")).st_size
        except OSError:
            raise StoreError(StatusCode.NOT_FOUND, f"{ref}: not found") from None
        if stored_ref != ref:
            raise StoreError(StatusCode.NOT_FOUND, f"{ref}: not found")
        return IngestStatus(
            ref=ref,
            offset=offset,
            total=_read_int(path, "total"),
            started_ns=_read_int(path, "startedat"),
            updated_ns=_read_int(path, "updatedat"),
        )

    def statuses(self) -> list[IngestStatus]:
        """Every write in progress (or abandoned)."""
        base = os.path.join(self.root, "ingest")
        out = []
        for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            try:
                out.append(self.status(_read_text(os.path.join(base, name), "ref")))
            except (OSError, StoreError):
                continue
        return out

    def abort(self, ref: str) -> None:
        """Drop the write of ``ref``; NOT_FOUND when there is none."""
        path = self._ingest(ref)
        if not os.path.isdir(path):
            raise StoreError(StatusCode.NOT_FOUND, f"no such ref {ref}: not found")
        shutil.rmtree(path, ignore_errors=True)

    def writer(self, ref: str, total: int = 0, expected: str = "") -> Writer:
        """Start or resume the write of ``ref``; ALREADY_EXISTS when ``expected`` is committed already,
        UNAVAILABLE while another writer holds ``ref``."""
        if not ref:
            raise StoreError(StatusCode.INVALID_ARGUMENT, "ref must not be empty")
        if expected and self.exists(expected):
            raise StoreError(StatusCode.ALREADY_EXISTS, f"content {expected}: already exists")
        with self._lock:
            if ref in self._locked:
                raise StoreError(StatusCode.UNAVAILABLE, f"ref {ref} locked: unavailable")
            self._locked.add(ref)
        try:
            return Writer(self, ref, self._ingest(ref), total)
        except BaseException:
            self.unlock(ref)
            raise

    def unlock(self, ref: str) -> None:
        with self._lock:
            self._locked.discard(ref)


class Writer:
    """One locked write: bytes are appended to the ingest's ``data`` and hashed as they come."""

    def __init__(self, store: LocalStore, ref: str, path: str, total: int) -> None:
        self.store = store
        self.ref = ref
        self.path = path
        self._hash = hashlib.sha256()
        self.offset = 0
        self.total = total
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        resumed = False
        if os.path.isdir(path):
            try:
                st = store.status(ref)
                self.started_ns, self.updated_ns, self.total = st.started_ns, st.updated_ns, st.total or total
                with open(os.path.join(path, "data"), "rb") as f:
                    for block in iter(lambda: f.read(READ_CHUNK), b""):
                        self._hash.update(block)
                        self.offset += len(block)
                resumed = True
            except (OSError, StoreError):
                shutil.rmtree(path, ignore_errors=True)  # unreadable: start over, as containerd does
                self._hash, self.offset = hashlib.sha256(), 0
        if not resumed:
            os.makedirs(path, mode=0o755, exist_ok=True)
            self.started_ns = self.updated_ns = time.time_ns()
            _write_text(path, "ref", ref)
            _write_text(path, "startedat", str(self.started_ns))
            _write_text(path, "updatedat", str(self.updated_ns))
            if total > 0:
                _write_text(path, "total", str(total))
        self._file: BinaryIO | None = open(os.path.join(path, "data"), "ab")  # noqa: SIM115 - closed by close()/commit()

    def digest(self) -> str:
        """The digest of the bytes written so far."""
        return f"sha256:{self._hash.hexdigest()}"

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise StoreError(StatusCode.FAILED_PRECONDITION, "cannot write on closed writer")
        self._file.write(data)
        self._hash.update(data)
        self.offset += len(data)
        self.updated_ns = time.time_ns()

    def truncate(self) -> None:
        """Restart the write from offset 0 (the only truncation containerd supports)."""
        if self._file is None:
            raise StoreError(StatusCode.FAILED_PRECONDITION, "cannot truncate a closed writer")
        self._file.truncate(0)
        self._file.seek(0)
        self._hash, self.offset = hashlib.sha256(), 0
        self.started_ns = self.updated_ns = time.time_ns()
        _write_text(self.path, "startedat", str(self.started_ns))

    def commit(self, size: int, expected: str) -> str:
        """Verify the data (``size`` when > 0, ``expected`` when set) and move it to ``blobs/``. Returns the
        digest. FAILED_PRECONDITION on a mismatch, ALREADY_EXISTS when the blob is there already; either way
        the ingest is dropped (containerd keeps a mismatched one, which a resume would only fail on again)."""
        f, self._file = self._file, None
        if f is None:
            raise StoreError(StatusCode.FAILED_PRECONDITION, "cannot commit on closed writer")
        try:
            f.flush()
            os.fsync(f.fileno())
        finally:
            f.close()
            self.store.unlock(self.ref)
        if size > 0 and size != self.offset:
            shutil.rmtree(self.path, ignore_errors=True)
            raise StoreError(
                StatusCode.FAILED_PRECONDITION, f"unexpected commit size {self.offset}, expected {size}: failed precondition"
            )
        dgst = self.digest()
        if expected and expected != dgst:
            shutil.rmtree(self.path, ignore_errors=True)
            raise StoreError(
                StatusCode.FAILED_PRECONDITION, f"unexpected commit digest {dgst}, expected {expected}: failed precondition"
            )
        target = self.store.blob_path(dgst)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if os.path.exists(target):
            shutil.rmtree(self.path, ignore_errors=True)
            raise StoreError(StatusCode.ALREADY_EXISTS, f"content {dgst}: already exists")
        data = os.path.join(self.path, "data")
        os.chmod(data, 0o444)
        os.replace(data, target)
        _fsync_dir(os.path.dirname(target))
        shutil.rmtree(self.path, ignore_errors=True)
        return dgst

    def close(self) -> None:
        """Release the ref, keeping the ingest for a later resume (idempotent)."""
        f, self._file = self._file, None
        if f is not None:
            f.close()
            try:
                _write_text(self.path, "updatedat", str(self.updated_ns))
            except OSError:
                pass
            self.store.unlock(self.ref)


def _chunks(f: Any, offset: int, size: int) -> Iterator[tuple[int, bytes]]:
    with f:
        f.seek(offset)
        while size > 0:
            data = f.read(min(READ_CHUNK, size))
            if not data:
                return
            yield offset, data
            offset += len(data)
            size -= len(data)


def _read_text(path: str, name: str) -> str:
    with open(os.path.join(path, name), encoding="utf-8") as f:
        return f.read()


def _read_int(path: str, name: str) -> int:
    try:
        return int(_read_text(path, name).strip() or 0)
    except (OSError, ValueError):
        return 0


def _write_text(path: str, name: str, value: str) -> None:
    with open(os.path.join(path, name), "w", encoding="utf-8") as f:
        f.write(value)


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
