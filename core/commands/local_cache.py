"""``--cache-to type=local,dest=DIR`` and ``--cache-from type=local,src=DIR``: the client-side work of
BuildKit's Go client (v0.13 ``client/solve.go`` ``parseCacheOptions``, ``client/ociindex``).

BuildKit reads and writes the directory through the session content store (``content_store``), as the
store ``local:<dir>``. Before the solve an export's ``dest`` is created, and an import's ``index.json`` is
read to turn ``tag`` (default ``latest``) into the ``digest`` attr the daemon needs; an import whose
directory or ``index.json`` cannot be read is dropped with a warning (as buildx does), a tag that is not
in a readable ``index.json`` is an error. After the solve the exported cache manifest (exporter response
``cache.manifest``) is put into each ``dest/index.json`` under ``org.opencontainers.image.ref.name: TAG``
(replacing the manifest of the same tag), written atomically next to ``oci-layout``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from depotci.core.buildkit.session.content_store import ContentStoreService
from depotci.core.buildkit.session.oci_store import LocalStore
from depotci.core.buildopts.model import CacheEntry
from depotci.core.buildopts.plan import cache_imports_attr
from depotci.core.buildopts.plan_model import SolvePlan
from depotci.core.commands.oci_index import REF_NAME, put_index, read_index
from depotci.core.errors import InputError

__all__ = [
    "CACHE_MANIFEST_KEY",
    "content_service",
    "finish_local_caches",
    "prepare_local_caches",
    "store_dirs",
    "sync_cache_imports",
]

CACHE_MANIFEST_KEY = "cache.manifest"


def store_id(directory: str) -> str:
    """The content store id BuildKit asks for a local cache directory."""
    return f"local:{directory}"


def prepare_local_caches(plan: SolvePlan) -> tuple[SolvePlan, tuple[str, ...]]:
    """Create each local export's ``dest`` and resolve each local import's ``digest``. Returns the plan
    with the resolved imports (unreadable ones dropped, ``cache-imports`` attr re-rendered) and the
    warning lines (without ``WARNING:``) for dropped imports. InputError when a ``dest`` is not a
    directory or an import's tag is not in its ``index.json``."""
    for e in plan.cache_exports:
        if e.type == "local":
            _make_dest(e.attr_dict()["dest"])
    if not any(e.type == "local" for e in plan.cache_imports):
        return plan, ()
    imports: list[CacheEntry] = []
    warnings: list[str] = []
    for e in plan.cache_imports:
        attrs = e.attr_dict()
        if e.type != "local" or attrs.get("digest"):
            imports.append(e)
            continue
        src, tag = attrs["src"], attrs.get("tag", "latest")
        try:
            index = read_index(src)
        except OSError as exc:
            warnings.append(f"local cache import at {src} not found due to err: {_go_open_error(exc, src)}")
            continue
        except ValueError as exc:
            warnings.append(f"local cache import at {src} not found due to err: {exc}")
            continue
        desc = _tagged(index, tag)
        if desc is None:
            raise InputError(
                f"--cache-from type=local,src={src}: no cache tagged '{tag}' in {os.path.join(src, 'index.json')}: "
                "expected a tag= present in index.json or digest="
            )
        attrs["digest"] = str(desc.get("digest", ""))
        imports.append(CacheEntry(e.type, tuple(sorted(attrs.items()))))
    frontend_attrs = dict(plan.frontend_attrs)
    frontend_attrs.pop("cache-imports", None)
    if imports:
        frontend_attrs["cache-imports"] = cache_imports_attr(tuple(imports))
    return replace(plan, cache_imports=tuple(imports), frontend_attrs=frontend_attrs), tuple(warnings)


def sync_cache_imports(attrs: Mapping[str, str], plan: SolvePlan) -> dict[str, str]:
    """``attrs`` with the ``cache-imports`` attr of ``plan`` (as resolved by ``prepare_local_caches``)."""
    out = dict(attrs)
    out.pop("cache-imports", None)
    if "cache-imports" in plan.frontend_attrs:
        out["cache-imports"] = plan.frontend_attrs["cache-imports"]
    return out


def store_dirs(plans: Iterable[SolvePlan]) -> dict[str, str]:
    """Store id → directory for every local cache of ``plans`` (after ``prepare_local_caches``)."""
    out: dict[str, str] = {}
    for plan in plans:
        for key, entries in (("dest", plan.cache_exports), ("src", plan.cache_imports)):
            for e in entries:
                if e.type == "local":
                    directory = e.attr_dict()[key]
                    out[store_id(directory)] = directory
    return out


def content_service(plans: Iterable[SolvePlan]) -> ContentStoreService | None:
    """The session content store serving the local caches of ``plans``; None when there are none."""
    dirs = store_dirs(plans)
    return ContentStoreService({sid: LocalStore(d) for sid, d in dirs.items()}) if dirs else None


def finish_local_caches(plan: SolvePlan, response: Mapping[str, str]) -> None:
    """Put the exported cache manifest into the ``index.json`` of every local export of ``plan``."""
    raw = response.get(CACHE_MANIFEST_KEY, "")
    tags = {e.attr_dict()["dest"]: e.attr_dict().get("tag", "latest") for e in plan.cache_exports if e.type == "local"}
    if not raw or not tags:
        return
    try:
        desc = json.loads(raw)
    except ValueError:
        raise InputError(f"--cache-to type=local: the builder returned an invalid cache manifest: {raw[:200]!r}") from None
    for dest, tag in tags.items():
        try:
            put_index(dest, desc, tag)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InputError(f"--cache-to type=local,dest={dest}: cannot update index.json: {reason}") from None


def _go_open_error(exc: OSError, src: str) -> str:
    """The text of Go's ``ociindex`` error for a failed open (``could not lock|read PATH: open PATH: ...``)."""
    path = str(exc.filename or os.path.join(src, "index.json"))
    reason = exc.strerror or str(exc)
    verb = "lock" if path.endswith(".lock") else "read"
    return f"could not {verb} {path}: open {path}: {reason[:1].lower()}{reason[1:]}"


def _tagged(index: Mapping[str, Any], tag: str) -> dict[str, Any] | None:
    for m in index.get("manifests") or []:
        if isinstance(m, dict) and (m.get("annotations") or {}).get(REF_NAME) == tag:
            return m
    return None


def _make_dest(dest: str) -> None:
    try:
        os.makedirs(dest, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"--cache-to type=local,dest={dest}: '{dest}' is not a directory") from None
    except OSError as exc:
        raise InputError(f"--cache-to type=local,dest={dest}: cannot create the directory: {exc.strerror}") from None
