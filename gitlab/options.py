"""Inputs → the core's option types, through the same flag parsers as ``depot build``/``depot bake``, so a
value means exactly what it means on the command line.

Beyond the flag table in ``inputs.py``: ``platforms`` become one ``--platform a,b`` (as depot's action
does); ``secrets`` (``KEY=VALUE``) are written to 0600 files in ``secret_dir`` and passed as
``id=KEY,src=FILE``; ``secret-files`` (``KEY=PATH``) as ``id=KEY,src=PATH``; a ``provenance`` input gets
``builder-id=<job URL>`` like the GitHub actions add the run URL.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from depotci.core.buildopts.model import BuildOptions
from depotci.core.ci_lists import parse_bool_input
from depotci.core.errors import InputError, UsageError
from depotci.gitlab.inputs import BUILD_INPUTS, Inputs

__all__ = ["build_argv", "build_options", "provenance_value", "secret_values"]

_ADAPTER_ONLY = {"context", "platforms", "secrets", "secret-files", "provenance", "token", "api-url", "oidc",
                 "output-prefix", "targets", "workdir"}


def provenance_value(raw: str, job_url: str) -> str:
    """The ``--provenance`` value: a boolean becomes ``builder-id=<job URL>`` or ``false``; attributes get
    ``builder-id=<job URL>`` appended unless they name one."""
    if not raw:
        return ""
    try:
        on = parse_bool_input("provenance", raw)
    except UsageError:
        if "builder-id=" in raw or not job_url:
            return raw
        return f"{raw},builder-id={job_url}"
    if not on:
        return "false"
    return f"builder-id={job_url}" if job_url else "true"


def _split_secret(kind: str, item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"invalid input {kind} item '{key if kind == 'secrets' else item}': expected KEY=VALUE")
    return key.strip(), value


def secret_values(inputs: Inputs) -> list[str]:
    """The values of the ``secrets`` input (to mask them)."""
    return [_split_secret("secrets", item)[1] for item in inputs.items("secrets")]


def _secret_flags(inputs: Inputs, secret_dir: str) -> list[str]:
    argv: list[str] = []
    for n, item in enumerate(inputs.items("secrets")):
        key, value = _split_secret("secrets", item)
        path = os.path.join(secret_dir, f"secret-{n}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
        argv += ["--secret", f"id={key},src={path}"]
    for item in inputs.items("secret-files"):
        key, path = _split_secret("secret-files", item)
        argv += ["--secret", f"id={key},src={path.strip()}"]
    return argv


def build_argv(inputs: Inputs, *, job_url: str, secret_dir: str) -> list[str]:
    """The ``depot build`` arguments for the inputs (context last)."""
    argv: list[str] = []
    for spec in inputs.specs:
        if spec.name in _ADAPTER_ONLY or not spec.flag:
            continue
        if spec.kind == "boolean":
            argv += [spec.flag] if inputs.flag(spec.name) else []
        elif spec.kind == "string":
            argv += [spec.flag, inputs.text(spec.name)] if inputs.text(spec.name) else []
        else:
            for item in inputs.items(spec.name):
                argv += [spec.flag, item]
    if inputs.items("platforms"):
        argv += ["--platform", ",".join(inputs.items("platforms"))]
    provenance = provenance_value(inputs.text("provenance"), job_url)
    if provenance:
        argv += ["--provenance", provenance]
    argv += _secret_flags(inputs, secret_dir)
    return [*argv, inputs.text("context") or "."]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"invalid inputs: {message}")


def build_options(
    inputs: Inputs, env: Mapping[str, str], cwd: str, *, job_url: str, secret_dir: str, metadata_file: str
) -> BuildOptions:
    """``BuildOptions`` for the inputs: progress plain (a CI log), the metadata file written to
    ``metadata_file``. The token travels in the environment, not as ``--token`` (see ``build.core_env``)."""
    from depotci.core.buildopts.flags import add_build_flags
    from depotci.core.buildopts.options import options_from_args

    parser = _Parser(prog="depot build", add_help=False)
    add_build_flags(parser)
    argv = build_argv(inputs, job_url=job_url, secret_dir=secret_dir)
    argv = ["--progress", "plain", "--metadata-file", metadata_file, *argv]
    ns = parser.parse_args(argv)
    try:
        return options_from_args(ns, env, cwd)
    except (UsageError, InputError) as exc:  # name the input, not the flag
        raise type(exc)(_input_names(exc.message), location=exc.location) from None


def _input_names(message: str) -> str:
    """``invalid --tag value 'x': ...`` → ``invalid input tags 'x': ...``."""
    flags = {s.flag: s.name for s in BUILD_INPUTS if s.flag}
    flags.update({"--platform": "platforms", "--secret": "secrets", "--provenance": "provenance"})
    for flag, name in flags.items():
        message = message.replace(f"invalid {flag} value", f"invalid input {name}")
    return message
