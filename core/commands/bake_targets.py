"""Per-target solve inputs for ``depot bake`` and how targets share sessions.

Every target's session directories get names of their own (``dockerfile:<target>``, ``<context>:<target>``
for local named contexts; the frontend is pointed at them with ``dockerfilekey`` / ``context:NAME=local:…``),
so many targets can be served by one session. One name cannot be renamed: BuildKit v0.13's Dockerfile
frontend always reads the main build context from the session directory ``context`` (its ``contextkey``
option only names the attribute holding a remote context). Targets whose contexts differ, or that need the
same secret/ssh id with different values, or the same exporter index for client-side outputs (FileSend
routes by that index), therefore go to different sessions: ``pack_sessions`` keeps as few as possible,
one for the usual bake where every target builds from the same directory.

``dependency_inputs`` turns a dependency's gateway result into the frontend inputs and attributes of a
dependent target, as buildx's ``waitContextDeps`` does.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from depotci.core.bake.to_build import TargetBuild
from depotci.core.buildkit.progress import SolveStatus
from depotci.core.buildkit.session.filesend import OutputTarget
from depotci.core.buildopts.plan_inputs import CONTEXTS_CAP
from depotci.core.buildopts.plan_model import SolvePlan

__all__ = [
    "SessionNeeds",
    "TargetSolve",
    "dependency_inputs",
    "pack_sessions",
    "remap_status",
    "session_names",
    "session_vertices",
]

_META_KEYS = ("containerimage.config", "containerimage.buildinfo")


@dataclass
class SessionNeeds:
    """What a target asks of the session serving it; every mapping must agree with the session's."""

    dirs: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, bytes] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)
    outputs: dict[int, OutputTarget] = field(default_factory=dict)

    def fits(self, other: SessionNeeds) -> bool:
        """True when no key of ``other`` maps to a different value here."""
        pairs: list[tuple[Mapping[Any, Any], Mapping[Any, Any]]] = [
            (self.dirs, other.dirs),
            (self.secrets, other.secrets),
            (self.agents, other.agents),
            (self.outputs, other.outputs),
        ]
        return all(mine.get(k, v) == v for mine, theirs in pairs for k, v in theirs.items())

    def merge(self, other: SessionNeeds) -> None:
        """Add ``other``'s entries (call only when ``fits``)."""
        self.dirs.update(other.dirs)
        self.secrets.update(other.secrets)
        self.agents.update(other.agents)
        self.outputs.update(other.outputs)


@dataclass
class TargetSolve:
    """One target, planned: its solve plan, frontend attrs and session needs under session names."""

    build: TargetBuild
    plan: SolvePlan
    attrs: dict[str, str]
    needs: SessionNeeds
    gateway: bool = False  # another target uses its result: built through the frontend gateway

    @property
    def name(self) -> str:
        return self.build.name

    def user_dirs(self) -> dict[str, str]:
        """The session dirs under their usual names (``context``, ``dockerfile``), for messages."""
        out = {"context": self.needs.dirs["context"]} if "context" in self.needs.dirs else {}
        key = self.attrs.get("dockerfilekey", "")
        if key in self.needs.dirs:
            out["dockerfile"] = self.needs.dirs[key]
        return out


def session_names(target: str, dirs: Mapping[str, str], attrs: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Rename a target's session dirs so they cannot clash with another target's (pure).

    ``context`` keeps its name; ``dockerfile`` becomes ``dockerfile:<target>`` (with ``dockerfilekey``);
    a local named context served as ``NAME`` becomes ``NAME:<target>``.
    """
    out_attrs = dict(attrs)
    renamed: dict[str, str] = {}
    for key, value in attrs.items():
        if key.startswith("context:") and value.startswith("local:") and value[6:] in dirs:
            renamed[value[6:]] = f"{value[6:]}:{target}"
            out_attrs[key] = f"local:{value[6:]}:{target}"
    if "dockerfile" in dirs:
        renamed["dockerfile"] = f"dockerfile:{target}"
        out_attrs["dockerfilekey"] = f"dockerfile:{target}"
    return {renamed.get(name, name): path for name, path in dirs.items()}, out_attrs


def pack_sessions(solves: Sequence[TargetSolve]) -> list[tuple[SessionNeeds, list[str]]]:
    """Group targets into as few sessions as their needs allow (first fit, in the given order); each
    group comes with the merged needs its session serves."""
    groups: list[tuple[SessionNeeds, list[str]]] = []
    for ts in solves:
        for needs, names in groups:
            if needs.fits(ts.needs):
                needs.merge(ts.needs)
                names.append(ts.name)
                break
        else:
            fresh = SessionNeeds()
            fresh.merge(ts.needs)
            groups.append((fresh, [ts.name]))
    return groups


def _metadata_attr(metadata: Mapping[str, bytes], suffix: str) -> str:
    picked = {k: base64.b64encode(metadata[k + suffix]).decode() for k in _META_KEYS if k + suffix in metadata}
    return json.dumps(dict(sorted(picked.items())), separators=(",", ":")) if picked else ""


def dependency_inputs(
    context: str, dependency: str, definitions: Mapping[str, bytes], metadata: Mapping[str, bytes]
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Frontend attrs and inputs (serialized ``pb.Definition``) that feed ``dependency``'s result to the
    named context ``context`` (pure). A result per platform (keys ``os/arch``) becomes one input per
    platform (``context:NAME::os/arch``), which the Dockerfile frontend picks by the stage's platform."""
    attrs: dict[str, str] = {"frontend.caps": CONTEXTS_CAP}
    inputs: dict[str, bytes] = {}
    for platform, definition in sorted(definitions.items()):
        suffix = f"::{platform}" if platform else ""
        key = f"{dependency}{suffix}"
        inputs[key] = definition
        attrs[f"context:{context}{suffix}"] = f"input:{key}"
        meta = _metadata_attr(metadata, f"/{platform}" if platform else "")
        if meta:
            attrs[f"input-metadata:{key}"] = meta
    return attrs, inputs


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def session_vertices(session_id: str, target: str, exporters: int, cache_exports: int) -> dict[str, str]:
    """Digests BuildKit derives from the session id (its export vertices ``<session>-export-<i>`` and
    cache-export vertices ``<session>-cache-<i>``) mapped to digests unique to ``target``: targets sharing a
    session would otherwise show their exports as one step (pure)."""
    out: dict[str, str] = {}
    for kind, count in (("export", exporters), ("cache", cache_exports)):
        for i in range(count):
            out[_digest(f"{session_id}-{kind}-{i}")] = _digest(f"{session_id}-{target}-{kind}-{i}")
    return out


def remap_status(status: SolveStatus, digests: Mapping[str, str]) -> SolveStatus:
    """``status`` with every vertex digest found in ``digests`` replaced (pure)."""
    if not digests:
        return status

    def d(x: str) -> str:
        return digests.get(x, x)

    return replace(
        status,
        vertexes=tuple(replace(v, digest=d(v.digest), inputs=tuple(d(i) for i in v.inputs)) for v in status.vertexes),
        statuses=tuple(replace(s, vertex=d(s.vertex)) for s in status.statuses),
        logs=tuple(replace(log, vertex=d(log.vertex)) for log in status.logs),
        warnings=tuple(replace(w, vertex=d(w.vertex)) for w in status.warnings),
    )
