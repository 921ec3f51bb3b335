"""Local inputs of a build, read at the edge: stdin Dockerfile or tar context, secret values, checks
that the context and Dockerfile exist. Temporary directories live until ``close()``."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Mapping
from typing import Any, BinaryIO

from depotci.core.errors import InputError

__all__ = ["LocalInputs", "read_secret_values"]


class LocalInputs:
    """Materialises stdin inputs into temp dirs; ``context_dir``/``dockerfile_dir`` are ready to send."""

    def __init__(self) -> None:
        self._temps: list[str] = []

    def temp_dir(self, prefix: str) -> str:
        path = tempfile.mkdtemp(prefix=f"depotci-{prefix}-")
        self._temps.append(path)
        return path

    def stdin_dockerfile(self, stdin: BinaryIO, name: str = "Dockerfile") -> str:
        """``-f -``: the Dockerfile comes from stdin; returns the dir that holds it."""
        d = self.temp_dir("dockerfile")
        with open(os.path.join(d, name), "wb") as f:
            shutil.copyfileobj(stdin, f)
        return d

    def stdin_context(self, stdin: BinaryIO) -> tuple[str, str | None]:
        """``depot build -``: a tar archive (the context) or a Dockerfile (empty context).

        Returns (context dir, dockerfile dir or None when the Dockerfile is in the context).
        """
        data = stdin.read()
        ctx = self.temp_dir("context")
        if _is_archive(data):
            try:
                with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                    tar.extractall(ctx, filter="data")
            except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
                reason = " ".join(part.strip() for part in str(exc).splitlines()) or type(exc).__name__
                raise InputError(f"cannot unpack the context archive from stdin: {reason}") from None
            return ctx, None
        d = self.temp_dir("dockerfile")
        with open(os.path.join(d, "Dockerfile"), "wb") as f:
            f.write(data)
        return ctx, d

    def close(self) -> None:
        for path in self._temps:
            shutil.rmtree(path, ignore_errors=True)
        self._temps.clear()


def _is_archive(data: bytes) -> bool:
    if data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00":
        return True
    return len(data) >= 512 and data[257:262] == b"ustar"


def check_context(context_dir: str, dockerfile: str) -> None:
    """One clear line when the context dir or the Dockerfile is missing or unreadable."""
    if not os.path.isdir(context_dir):
        what = "does not exist" if not os.path.exists(context_dir) else "is not a directory"
        raise InputError(f"build context '{context_dir}' {what}")
    if not os.access(context_dir, os.R_OK | os.X_OK):
        raise InputError(f"build context '{context_dir}' is not readable")
    if not os.path.exists(dockerfile):
        raise InputError(f"Dockerfile '{dockerfile}' does not exist")
    if os.path.isdir(dockerfile):
        raise InputError(f"Dockerfile '{dockerfile}' is a directory, expected a file")
    try:
        with open(dockerfile, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"Dockerfile '{dockerfile}' is not readable: {exc.strerror}") from None


def read_secret_values(secrets: Any, env: Mapping[str, str]) -> dict[str, bytes]:
    """Read every ``--secret`` value now, so a missing file fails before the build starts."""
    values: dict[str, bytes] = {}
    for spec in secrets:
        if getattr(spec, "env", None):
            if spec.env not in env:
                raise InputError(f"secret '{spec.id}': environment variable {spec.env} is not set")
            values[spec.id] = env[spec.env].encode()
            continue
        try:
            with open(spec.src, "rb") as f:
                values[spec.id] = f.read()
        except OSError as exc:
            raise InputError(f"secret '{spec.id}': cannot read '{spec.src}': {exc.strerror}") from None
    return values
