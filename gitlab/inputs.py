"""Component inputs → one frozen ``Inputs`` value per job, read once.

The templates pass every input to the job as a variable ``DEPOTCI_INPUT_<NAME>`` (upper case, ``-`` →
``_``), so values never pass through the shell and ``$VARIABLES`` in them are expanded by GitLab. The
tables below name each input, how it is parsed (``kind``) and the ``depot`` flag it becomes (``""``: the
adapter handles it). Names, kinds and flags mirror depot/build-push-action and depot/bake-action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from depotci.core.ci_lists import parse_bool_input, parse_list
from depotci.core.errors import UsageError

__all__ = ["BAKE_INPUTS", "BUILD_INPUTS", "InputSpec", "Inputs", "env_name", "read_inputs"]

Kind = Literal["string", "boolean", "csv", "lines", "raw-lines"]
Value = str | bool | tuple[str, ...]


@dataclass(frozen=True)
class InputSpec:
    """One input: its name, how its text is parsed, and the ``depot`` flag it maps to."""

    name: str
    kind: Kind = "string"
    flag: str = ""


_COMMON = (
    InputSpec("build-platform", flag="--build-platform"),
    InputSpec("lint", "boolean", "--lint"),
    InputSpec("lint-fail-on", flag="--lint-fail-on"),
    InputSpec("load", "boolean", "--load"),
    InputSpec("no-cache", "boolean", "--no-cache"),
    InputSpec("project", flag="--project"),
    InputSpec("provenance", flag="--provenance"),
    InputSpec("pull", "boolean", "--pull"),
    InputSpec("push", "boolean", "--push"),
    InputSpec("save", "boolean", "--save"),
    InputSpec("save-tags", "csv", "--save-tag"),
    InputSpec("sbom", flag="--sbom"),
    InputSpec("sbom-dir", flag="--sbom-dir"),
    InputSpec("token"),
    InputSpec("api-url"),
    InputSpec("oidc", "boolean"),
    InputSpec("output-prefix"),
)

BUILD_INPUTS: tuple[InputSpec, ...] = (
    InputSpec("context"),
    InputSpec("file", flag="--file"),
    InputSpec("add-hosts", "csv", "--add-host"),
    InputSpec("allow", "csv", "--allow"),
    InputSpec("annotations", "lines", "--annotation"),
    InputSpec("attests", "lines", "--attest"),
    InputSpec("build-args", "lines", "--build-arg"),
    InputSpec("build-contexts", "lines", "--build-context"),
    InputSpec("cache-from", "lines", "--cache-from"),
    InputSpec("cache-to", "lines", "--cache-to"),
    InputSpec("cgroup-parent", flag="--cgroup-parent"),
    InputSpec("labels", "lines", "--label"),
    InputSpec("network", flag="--network"),
    InputSpec("no-cache-filters", "lines", "--no-cache-filter"),
    InputSpec("outputs", "lines", "--output"),
    InputSpec("platforms", "csv"),
    InputSpec("secrets", "lines"),
    InputSpec("secret-files", "lines"),
    InputSpec("shm-size", flag="--shm-size"),
    InputSpec("ssh", "lines", "--ssh"),
    InputSpec("tags", "csv", "--tag"),
    InputSpec("target", flag="--target"),
    InputSpec("ulimit", "lines", "--ulimit"),
    *_COMMON,
)

BAKE_INPUTS: tuple[InputSpec, ...] = (
    InputSpec("files", "csv", "--file"),
    InputSpec("targets", "csv"),
    InputSpec("workdir"),
    InputSpec("set", "raw-lines", "--set"),
    *_COMMON,
)

_DEFAULTS: dict[str, str] = {"oidc": "true", "output-prefix": "DEPOTCI", "workdir": ".", "context": "."}


def env_name(name: str) -> str:
    """The job variable that carries input ``name``: ``build-args`` → ``DEPOTCI_INPUT_BUILD_ARGS``."""
    return "DEPOTCI_INPUT_" + name.upper().replace("-", "_")


def _parse(spec: InputSpec, text: str) -> Value:
    if spec.kind == "boolean":
        return parse_bool_input(spec.name, text, default=_DEFAULTS.get(spec.name) == "true")
    if spec.kind == "csv":
        return tuple(parse_list(text))
    if spec.kind == "lines":
        return tuple(parse_list(text, ignore_comma=True))
    if spec.kind == "raw-lines":
        return tuple(parse_list(text, ignore_comma=True, quote=False))
    return text.strip() or _DEFAULTS.get(spec.name, "")


@dataclass(frozen=True)
class Inputs:
    """The parsed inputs of one job (``specs``: the table they were read with)."""

    specs: tuple[InputSpec, ...]
    values: Mapping[str, Value] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """A string input (``""`` when unset)."""
        value = self.values.get(name, "")
        return value if isinstance(value, str) else ""

    def flag(self, name: str) -> bool:
        """A boolean input."""
        return self.values.get(name) is True

    def items(self, name: str) -> tuple[str, ...]:
        """A list input's items."""
        value = self.values.get(name, ())
        return value if isinstance(value, tuple) else ()

    def spec(self, name: str) -> InputSpec:
        """The table entry of ``name``."""
        for s in self.specs:
            if s.name == name:
                return s
        raise KeyError(name)


def read_inputs(specs: tuple[InputSpec, ...], env: Mapping[str, str]) -> Inputs:
    """Read and parse every input of ``specs`` from the job's variables; raises UsageError naming the
    input for a malformed value (a bad boolean, an invalid ``output-prefix``)."""
    values = {s.name: _parse(s, env.get(env_name(s.name), "")) for s in specs}
    prefix = values.get("output-prefix")
    if isinstance(prefix, str) and not _valid_prefix(prefix):
        raise UsageError(
            f"invalid input output-prefix '{prefix}': expected letters, digits and underscores, "
            "not starting with a digit"
        )
    return Inputs(specs, values)


def _valid_prefix(prefix: str) -> bool:
    return prefix != "" and not prefix[0].isdigit() and all(c.isascii() and (c.isalnum() or c == "_") for c in prefix)
