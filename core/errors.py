"""The one exception root of depotci and its tree.

Every error a user can cause or meet is a ``DepotError``; the CLI runner renders it once, as one line,
and exits 1. Third-party errors (grpc, OSError, httpx) are mapped onto this tree at the boundary that
calls them.

    DepotError
    ├── UsageError            bad flag or flag value (``--secret``, ``--platform``, ``--output`` ...)
    ├── InputError            a user file is missing, unreadable or malformed (context, Dockerfile ...)
    ├── UnsupportedError      the builder cannot honour a requested feature
    ├── BuilderError          the builder is unreachable or went away mid-build
    ├── BuildFailed           the build ran and failed (a step failed); carries the step and source
    ├── ApiError              the Depot API answered an error; carries the Connect code (``code``)
    └── AuthError             no API token could be resolved (``missing API token, please run `depot login```)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "BuildFailed",
    "BuilderError",
    "DepotError",
    "InputError",
    "SourceLocation",
    "UnsupportedError",
    "UsageError",
    "internal_error",
]


@dataclass(frozen=True)
class SourceLocation:
    """A position in a user file: 1-based line and column; 0 when unknown."""

    file: str
    line: int = 0
    column: int = 0
    end_line: int = 0

    def __str__(self) -> str:
        out = self.file
        if self.line:
            out += f":{self.line}"
            if self.column:
                out += f":{self.column}"
        return out


class DepotError(Exception):
    """Root of every error depotci raises on purpose. ``str()`` is the one line shown to the user."""

    def __init__(self, message: str, *, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


class UsageError(DepotError):
    """A command-line flag or its value is wrong."""


class InputError(DepotError):
    """A user file is missing, unreadable or malformed."""


class UnsupportedError(DepotError):
    """The builder cannot honour what was asked; refused rather than silently ignored."""


class BuilderError(DepotError):
    """The builder cannot be reached, or the connection to it broke."""


class BuildFailed(DepotError):
    """The build ran and a step failed.

    ``step`` is the failing vertex name, ``log_tail`` its last log lines, ``location`` the Dockerfile
    position when BuildKit sent source info, ``warnings`` the BuildKit warnings raised before the failure
    (in the ``buildx.build.warnings`` form, for CI annotations: no metadata file is written on failure).
    """

    def __init__(
        self,
        message: str,
        *,
        step: str = "",
        log_tail: tuple[str, ...] = (),
        location: SourceLocation | None = None,
        source_lines: tuple[tuple[int, str], ...] = (),
        warnings: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        super().__init__(message, location=location)
        self.step = step
        self.log_tail = log_tail
        self.source_lines = source_lines
        self.warnings = warnings


class ApiError(DepotError):
    """The Depot API answered an error. ``code`` is the Connect code name (``not_found``,
    ``unauthenticated``, ``unavailable`` ...); ``str()`` is ``code: message`` like the Go CLI prints."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.detail = message


class AuthError(DepotError):
    """No API token could be resolved, or a token file is unreadable."""


DEBUG_ENV = "DEPOTCI_DEBUG"


def internal_error(exc: Exception, env: Mapping[str, str]) -> DepotError:
    """A bug (an exception that is not a ``DepotError``) as one line for the edge to render like any other
    error — never a traceback — unless ``DEPOTCI_DEBUG`` is set: then ``exc`` is re-raised to show where."""
    if env.get(DEBUG_ENV):
        raise exc
    return DepotError(f"internal error: {type(exc).__name__}: {exc} (please report it; {DEBUG_ENV}=1 shows where)")
