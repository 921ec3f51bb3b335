"""``index.json`` of an OCI image layout as BuildKit's Go client (v0.13 ``client/ociindex``) reads and
writes it for local cache directories: ``index.json.lock`` held with flock (and removed afterwards), the
manifest of a tag (``org.opencontainers.image.ref.name``) replaced, ``oci-layout`` written next to it, the
JSON laid out as Go marshals ``ocispecs.Index``. Both files are replaced atomically (temp file + rename).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["REF_NAME", "put_index", "read_index"]

REF_NAME = "org.opencontainers.image.ref.name"
_LAYOUT = '{"imageLayoutVersion":"1.0.0"}'
_DESCRIPTOR_KEYS = ("mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType")
_INDEX_KEYS = ("schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations")
_LOCK_WAIT = 10.0  # seconds to wait for another writer of index.json (BuildKit's Go client does not wait)
_PUT_LOCK = threading.Lock()  # bake targets of this process exporting to one directory take turns


def read_index(directory: str) -> dict[str, Any]:
    """``directory/index.json`` (under a shared lock when the directory is writable). OSError when it cannot
    be read, ValueError when it is not a JSON object."""
    path = os.path.join(directory, "index.json")
    with _locked(directory, shared=True), open(path, "rb") as f:
        data = f.read()
    try:
        index = json.loads(data)
    except ValueError:
        raise ValueError(f"could not unmarshal {path}") from None
    if not isinstance(index, dict):
        raise ValueError(f"could not unmarshal {path}")
    return index


def put_index(directory: str, desc: Mapping[str, Any], tag: str) -> None:
    """Add ``desc`` to ``directory/index.json`` as ``tag`` (``""``: untagged), replacing the manifest of
    the same tag, and write ``oci-layout``; both files are replaced atomically."""
    path = os.path.join(directory, "index.json")
    os.makedirs(directory, exist_ok=True)
    with _PUT_LOCK, _locked(directory, shared=False):
        _write_atomic(os.path.join(directory, "oci-layout"), _LAYOUT)
        index: dict[str, Any] = {}
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            if data:
                index = json.loads(data)
                if not isinstance(index, dict):
                    raise ValueError(f"could not unmarshal {path}")
        index["schemaVersion"] = index.get("schemaVersion") or 2
        manifests = [m for m in index.get("manifests") or [] if isinstance(m, dict)]
        new = dict(desc)
        if tag:
            new["annotations"] = {**(new.get("annotations") or {}), REF_NAME: tag}
            manifests = [m for m in manifests if (m.get("annotations") or {}).get(REF_NAME) != tag]
        index["manifests"] = [*manifests, new]
        _write_atomic(path, _go_json(_go_index(index)))


@contextlib.contextmanager
def _locked(directory: str, *, shared: bool) -> Iterator[None]:
    """Hold ``index.json.lock`` like BuildKit's ``ociindex`` (flock; removed afterwards), waiting up to
    ``_LOCK_WAIT`` for another holder. A read in a directory we cannot write to goes without the lock, as
    in Go."""
    lock_path = os.path.join(directory, "index.json.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if shared and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            yield
            return
        raise
    try:
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ValueError(f"could not lock {lock_path}: another build is using it") from None
                time.sleep(0.05)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)


def _write_atomic(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _go_descriptor(d: Mapping[str, Any]) -> dict[str, Any]:
    """A descriptor as Go's ``json.Marshal(ocispecs.Descriptor)`` writes it (field order, sorted maps)."""
    out: dict[str, Any] = {"mediaType": d.get("mediaType", ""), "digest": d.get("digest", ""), "size": d.get("size", 0)}
    for key in _DESCRIPTOR_KEYS[3:]:
        if d.get(key):
            out[key] = dict(sorted(d[key].items())) if key == "annotations" else d[key]
    return out


def _go_index(index: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"schemaVersion": index.get("schemaVersion", 2)}
    for key in _INDEX_KEYS[1:]:
        value = index.get(key)
        if key == "manifests":
            out[key] = [_go_descriptor(m) for m in value or []]
        elif value:
            out[key] = (
                _go_descriptor(value)
                if key == "subject"
                else dict(sorted(value.items()))
                if key == "annotations"
                else value
            )
    return out


def _go_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, esc)
    return text
