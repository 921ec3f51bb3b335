"""`depot login`, `depot login token`, `depot logout` and the login file (mode 0600, never printed)."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from depotci.core.auth.login_file import write_login_file
from depotci.core.errors import AuthError
from unit.core.commands import test_projects_commands as cmds
from unit.server import test_oidc_support as support

issuers = support.issuers
accounts_env = support.accounts_env
run = cmds.run


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("existing_mode", [None, 0o644, 0o666])
def test_login_file_is_written_0600(tmp_path: Path, existing_mode: int | None) -> None:
    path = tmp_path / "cfg" / "depot" / "depot.yaml"
    if existing_mode is not None:
        path.parent.mkdir(parents=True)
        path.write_text("api_token: old\n")
        path.chmod(existing_mode)
    write_login_file(str(path), {"api_token": "t", "org_id": "o"})
    assert _mode(path) == 0o600
    assert yaml.safe_load(path.read_text()) == {"api_token": "t", "org_id": "o"}
    if existing_mode is None:
        assert _mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["depot.yaml"]


def test_unwritable_login_file_is_one_clear_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "depot.yaml").mkdir()  # a directory where the file should be
    with pytest.raises(AuthError, match=f"cannot write the login file '{folder}/depot.yaml'"):
        write_login_file(str(folder / "depot.yaml"), {"api_token": "t"})


def _approve_when_started(env: Any) -> threading.Thread:
    def approve() -> None:
        for _ in range(200):
            rows = env.store.query("SELECT id FROM logins WHERE approved_at IS NULL")
            if rows:
                env.accounts.approve_login(str(rows[0][0]), env.store.ensure_org())
                return
            time.sleep(0.02)

    t = threading.Thread(target=approve)
    t.start()
    return t


def test_device_login_saves_token_and_org(run: cmds.Run, accounts_env: Any, caplog: pytest.LogCaptureFixture) -> None:
    t = _approve_when_started(accounts_env)
    code, out, err = run("login")
    t.join()
    assert (code, out) == (0, "Successfully authenticated!\n")
    assert "/login/" in err and "Waiting for approval" in err
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "depot" / "depot.yaml"
    saved = yaml.safe_load(path.read_text())
    assert _mode(path) == 0o600 and saved["org_id"] == accounts_env.store.ensure_org()
    token = saved["api_token"]
    assert accounts_env.store.lookup_token(token).kind == "org"
    assert token not in out + err + caplog.text
    assert run("login") == (0, "You are already logged in.\n", "")
    assert run("login", "--quiet") == (0, "", "")
    assert run("login", "token") == (0, token + "\n", "")
    code, out, _ = run("projects", "list")  # the stored token is used
    assert code == 0 and accounts_env.project in out
    assert run("logout") == (0, "Logout successful!\n", "")
    assert yaml.safe_load(path.read_text()) == {"api_token": "", "org_id": ""} and _mode(path) == 0o600
    code, _, err = run("projects", "list")
    assert (code, err) == (1, "error: missing API token, please run `depot login`\n")


def test_login_with_org_id_skips_the_org_lookup(run: cmds.Run, accounts_env: Any) -> None:
    t = _approve_when_started(accounts_env)
    code, _, _ = run("login", "--org-id", "org-x")
    t.join()
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "depot" / "depot.yaml"
    assert (code, yaml.safe_load(path.read_text())["org_id"]) == (0, "org-x")
