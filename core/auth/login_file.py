"""The stored login file ``<XDG config>/depot/depot.yaml`` (keys ``api_token`` and ``org_id``)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from depotci.core.errors import AuthError

__all__ = ["login_file_path", "read_login_file", "write_login_file"]


def login_file_path(env: Mapping[str, str]) -> str:
    """``$XDG_CONFIG_HOME/depot/depot.yaml``, else ``~/.config/depot/depot.yaml`` (adrg/xdg on Linux)."""
    base = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    return os.path.join(base, "depot", "depot.yaml")


def read_login_file(path: str) -> dict[str, str]:
    """The file's string keys; empty when it does not exist. A malformed file is an AuthError."""
    if not os.path.lexists(path):
        return {}
    import yaml  # only when a file is there to read: keeps `depot build` startup light

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise AuthError(f"cannot read the login file '{path}': {exc.strerror}") from None
    except yaml.YAMLError:
        raise AuthError(f"cannot parse the login file '{path}': expected YAML with api_token and org_id") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AuthError(f"cannot parse the login file '{path}': expected a YAML mapping")
    return {str(k): str(v) for k, v in data.items() if v is not None}


def write_login_file(path: str, values: dict[str, str]) -> None:
    """Write ``values`` (``api_token``, ``org_id``) as YAML, mode 0600 (set before any byte is written, and
    again on an existing file); the folder is created 0700. Replaces the file atomically."""
    import yaml

    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            yaml.safe_dump({k: v for k, v in values.items()}, f, default_flow_style=False)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise AuthError(f"cannot write the login file '{path}': {exc.strerror}") from None
    os.chmod(path, 0o600)
