"""Workflow commands and files (specs/ci-plugins.md §3.6): ``GITHUB_OUTPUT`` heredocs, ``::add-mask::``,
``::group::``, annotations and the step summary. One ``Workflow`` object owns the log stream and the files,
so tests give it a ``StringIO`` and temp paths."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from depotci.core.errors import InputError

__all__ = ["Workflow", "escape_data", "escape_property"]


def escape_data(text: str) -> str:
    """Escape a command's message (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value (the message escapes plus ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class Workflow:
    """Writes workflow commands to ``log`` and appends to the runner's files (a missing path: log only)."""

    def __init__(self, log: TextIO, *, output_file: str = "", summary_file: str = "") -> None:
        self.log = log
        self.output_file = output_file
        self.summary_file = summary_file
        self._masked: set[str] = set()

    def command(self, name: str, message: str = "", **props: str | int) -> None:
        """Print ``::name k=v,...::message`` (empty properties are left out)."""
        attrs = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v not in ("", 0, None))
        if attrs:  # parsers that split at the last "::" (act) would read the message into the properties
            message = message.replace("::", ":\u200b:")
        self.log.write(f"::{name}{' ' + attrs if attrs else ''}::{escape_data(message)}\n")
        self.log.flush()

    def mask(self, value: str) -> None:
        """``::add-mask::`` every non-empty line of ``value`` (once each)."""
        for line in value.splitlines():
            if line.strip() and line not in self._masked:
                self._masked.add(line)
                self.log.write(f"::add-mask::{line}\n")
        self.log.flush()

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible ``::group::`` section around the block."""
        self.log.write(f"::group::{escape_data(title)}\n")
        self.log.flush()
        try:
            yield
        finally:
            self.log.write("::endgroup::\n")
            self.log.flush()

    def set_output(self, name: str, value: str) -> None:
        """Append ``name`` to ``GITHUB_OUTPUT`` in the heredoc form ``@actions/core`` uses."""
        if not self.output_file:
            self.log.write(f"{name}={value}\n")
            return
        delim = f"ghadelimiter_{uuid.uuid4()}"
        if delim in name or delim in value:
            raise InputError(f"unexpected input: output '{name}' contains the delimiter {delim}")
        self._append(self.output_file, f"{name}<<{delim}\n{value}\n{delim}\n")

    def summary(self, markdown: str) -> None:
        """Append Markdown to ``GITHUB_STEP_SUMMARY`` (ignored when the runner gives no file)."""
        if self.summary_file:
            self._append(self.summary_file, markdown)

    @staticmethod
    def _append(path: str, text: str) -> None:
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise InputError(f"cannot write '{path}': {exc.strerror}") from None
