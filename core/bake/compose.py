"""Compose files -> bake targets (buildx's ``ParseCompose`` over compose-go, reduced to what bake reads).

Every service with a ``build`` becomes a target named after the service (dots become ``_``); ``x-bake``
adds bake-only fields and ``x-depot.project-id`` the Depot project. Values are interpolated from the
environment plus ``.env`` (environment wins). PyYAML is imported only here, so HCL-only runs never pay
for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from depotci.core.bake.errors import BakeError
from depotci.core.bake.spec import GroupSpec, TargetSpec

__all__ = ["looks_like_compose", "parse_compose_files", "parse_dotenv"]

_TOP_KEYS = frozenset(
    {"version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models"}
)
_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+\Z")
_VAR = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_DOTENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(.*)$")


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def looks_like_compose(text: str) -> str | None:
    """None when ``text`` is a Compose file, else why not (used to sniff stdin)."""
    try:
        data = _yaml_load(text)
    except Exception as e:  # noqa: BLE001 - any YAML error means "not compose"
        return str(e).splitlines()[0] if str(e) else "invalid yaml"
    if not isinstance(data, dict):
        return "top-level object must be a mapping"
    extra = [k for k in data if k not in _TOP_KEYS and not str(k).startswith("x-")]
    if extra:
        return f"validating filename0.yml: additional properties '{extra[0]}' not allowed"
    return None


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, quotes stripped, ``#`` comments ignored."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _DOTENV_LINE.match(line)
        if m is None:
            continue
        key, val = m.group(1), m.group(2).strip()
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
            quoted = val[1:-1]
            val = quoted.replace("\\n", "\n").replace('\\"', '"') if val[0] == '"' else quoted
        else:
            val = re.sub(r"\s+#.*$", "", val)
        out[key] = _interpolate(val, {**out})
    return out


def _interpolate(s: str, env: Mapping[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(1):
            return "$"
        if m.group(3):
            return env.get(m.group(3), "")
        expr = m.group(2)
        for op in (":-", "-", ":?", "?", ":+", "+"):
            name, sep, arg = expr.partition(op)
            if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                val = env.get(name)
                unset_or_empty = not val if op.startswith(":") else val is None
                if op in (":-", "-"):
                    return _interpolate(arg, env) if unset_or_empty else str(val)
                if op in (":?", "?"):
                    if unset_or_empty:
                        raise BakeError(
                            f"failed to parse compose file: required variable {name} is missing a value: {arg}"
                        )
                    return str(val)
                return _interpolate(arg, env) if not unset_or_empty else ""
        return env.get(expr, "")

    return _VAR.sub(sub, s)


def _interp_tree(v: Any, env: Mapping[str, str]) -> Any:
    if isinstance(v, str):
        return _interpolate(v, env) if "$" in v else v
    if isinstance(v, list):
        return [_interp_tree(x, env) for x in v]
    if isinstance(v, dict):
        return {k: _interp_tree(x, env) for k, x in v.items()}
    return v


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _merge(a[k], v) if k in a else v
        return out
    return b


def _str(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    return "" if v is None else str(v)


def _mapping(v: Any) -> dict[str, str | None]:
    """A compose "list or dict" (``KEY=VAL`` / ``KEY``) as a dict; a bare ``KEY`` maps to None."""
    if isinstance(v, dict):
        return {str(k): (None if x is None else _str(x)) for k, x in v.items()}
    out: dict[str, str | None] = {}
    for item in v or []:
        k, eq, x = str(item).partition("=")
        out[k] = x if eq else None
    return out


def _strings(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return v.split()
    return [_str(x) for x in v]


def _clean(path: str) -> str:
    import posixpath

    return posixpath.normpath(path) if path else path


def parse_compose_files(
    files: list[tuple[str, str]], env: Mapping[str, str]
) -> tuple[list[GroupSpec], list[TargetSpec]]:
    """Map the merged Compose files onto a ``default`` group and one target per built service."""
    data: dict[str, Any] = {}
    for name, text in files:
        try:
            doc = _yaml_load(text)
        except Exception as e:  # noqa: BLE001
            raise BakeError(f"failed to parse compose file: {name}: {str(e).splitlines()[0]}") from None
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise BakeError("failed to parse compose file: Top-level object must be a mapping")
        data = _merge(data, _interp_tree(doc, env))
    services = data.get("services") or {}
    secrets_top = data.get("secrets") or {}
    names: dict[str, str] = {}
    for sname, svc in services.items():
        if isinstance(svc, dict) and svc.get("build") is not None:
            tname = str(sname).replace(".", "_")
            if not _NAME_RE.match(tname):
                raise BakeError(
                    f'failed to parse compose file: invalid service name "{tname}": only "[a-zA-Z0-9_-]+" are allowed'
                )
            names[str(sname)] = tname
    if not services:
        return [], []
    group = GroupSpec("default", [])
    targets: list[TargetSpec] = []
    for sname, svc in services.items():
        if str(sname) not in names:
            continue
        targets.append(_service_target(names[str(sname)], svc, names, secrets_top, env))
        group.targets.append(names[str(sname)])
    return [group], targets


def _service_target(
    tname: str,
    svc: dict[str, Any],
    names: dict[str, str],
    secrets_top: dict[str, Any],
    env: Mapping[str, str],
) -> TargetSpec:
    build = svc["build"]
    if isinstance(build, str):
        build = {"context": build}
    t = TargetSpec(tname)
    if build.get("context"):
        t.context = _clean(_str(build["context"]))
    if build.get("dockerfile"):
        t.dockerfile = _str(build["dockerfile"])
    if build.get("dockerfile_inline"):
        t.dockerfile_inline = _str(build["dockerfile_inline"])
    extra = build.get("additional_contexts")
    if extra is not None:
        t.contexts = {}
        for k, v in _mapping(extra).items():
            v = v or ""
            if v.startswith("service:") and v[8:] in names:
                v = "target:" + names[v[8:]]
            t.contexts[k] = v
    svc_env = _mapping(svc.get("environment"))
    args: dict[str, str | None] = {}
    for k, v in _mapping(build.get("args")).items():
        if v is None:
            v = svc_env.get(k)
            if v is None:
                v = env.get(k)
        if v is not None:
            args[k] = v
    t.args = args or None
    labels: dict[str, str | None] = {k: v or "" for k, v in _mapping(build.get("labels")).items()}
    t.labels = labels or None
    t.tags = _strings(build.get("tags")) or None
    t.cache_from = _strings(build.get("cache_from")) or None
    t.cache_to = _strings(build.get("cache_to")) or None
    t.network = _str(build.get("network"))
    t.platforms = _strings(build.get("platforms")) or None
    ssh = build.get("ssh")
    if ssh:
        items = [f"{k}={v}" if v else k for k, v in _mapping(ssh).items()]
        t.ssh = sorted(items)
    sec = []
    for s in build.get("secrets") or []:
        src = str(s.get("source") or "") if isinstance(s, dict) else str(s)
        top = secrets_top.get(src) or {}
        if top.get("external"):
            raise BakeError(f"failed to parse compose file: unsupported external secret {src}")
        entry = {"id": src or ""}
        if top.get("file"):
            entry["src"] = _clean(_str(top["file"]))
        if top.get("environment"):
            entry["env"] = _str(top["environment"])
        sec.append(entry)
    t.secret = sec or None
    attest = []
    if build.get("sbom"):
        attest.append(_canon_attest("sbom", _str(build["sbom"])))
    if build.get("provenance"):
        attest.append(_canon_attest("provenance", _str(build["provenance"])))
    t.attest = attest or None
    t.no_cache_filter = _strings(build.get("no_cache_filter")) or None
    _x_depot(t, build.get("x-depot"))
    _x_bake(t, build.get("x-bake"))
    if build.get("target"):
        t.target = _str(build["target"])
    if not t.tags and svc.get("image"):
        t.tags = [_str(svc["image"])]
    return t


def _canon_attest(kind: str, v: str) -> str:
    low = v.lower()
    if low in ("1", "t", "true"):
        return f"type={kind}"
    if low in ("0", "f", "false"):
        return f"type={kind},disabled=true"
    return f"type={kind},{v}"


def _x_depot(t: TargetSpec, ext: Any) -> None:
    if isinstance(ext, dict) and ext.get("project-id"):
        t.project_id = _str(ext["project-id"])


def _x_bake(t: TargetSpec, xb: Any) -> None:
    if not isinstance(xb, dict):
        return
    tags = _strings(xb.get("tags"))
    if tags:
        t.tags = list(dict.fromkeys([*(t.tags or []), *tags]))
    for key, attr in (
        ("cache-from", "cache_from"),
        ("cache-to", "cache_to"),
        ("secret", "secret"),
        ("ssh", "ssh"),
        ("output", "output"),
    ):
        vals = _strings(xb.get(key))
        if vals:
            setattr(t, attr, [*(getattr(t, attr) or []), *vals])
    if t.ssh:
        t.ssh = sorted(t.ssh, key=lambda s: s if isinstance(s, str) else "")
    plats = _strings(xb.get("platforms"))
    if plats:
        t.platforms = list(dict.fromkeys([*(t.platforms or []), *plats]))
    ncf = _strings(xb.get("no-cache-filter"))
    if ncf:
        t.no_cache_filter = list(dict.fromkeys([*(t.no_cache_filter or []), *ncf]))
    ctx = xb.get("contexts")
    if isinstance(ctx, dict) and ctx:
        merged = dict(t.contexts or {})
        for k, v in ctx.items():
            merged.setdefault(str(k), _str(v))
        t.contexts = merged
