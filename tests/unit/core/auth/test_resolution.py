"""Token and project resolution order (specs/depot-api.md §4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from depotci.core.auth.login_file import login_file_path, read_login_file
from depotci.core.auth.project import resolve_project
from depotci.core.auth.token import resolve_token
from depotci.core.errors import AuthError, InputError


@pytest.mark.parametrize(
    ("flag", "env", "stored", "expected"),
    [
        ("f", {"DEPOT_TOKEN": "e", "DEPOT_API_TOKEN": "a"}, "s", ("f", "--token")),
        ("", {"DEPOT_TOKEN": "e", "DEPOT_API_TOKEN": "a"}, "s", ("e", "DEPOT_TOKEN")),
        ("", {"DEPOT_API_TOKEN": "a"}, "s", ("a", "DEPOT_API_TOKEN")),
        ("", {"DEPOT_JIT_TOKEN": "j"}, "s", ("s", "/cfg/depot/depot.yaml")),
        ("", {"DEPOT_JIT_TOKEN": "j", "DEPOT_CACHE_TOKEN": "c"}, "", ("j", "DEPOT_JIT_TOKEN")),
        ("", {"DEPOT_CACHE_TOKEN": "c"}, "", ("c", "DEPOT_CACHE_TOKEN")),
        ("", {"DEPOT_TOKEN": ""}, "", None),
    ],
)
def test_token_order(flag: str, env: dict[str, str], stored: str, expected: tuple[str, str] | None) -> None:
    files = {"/cfg/depot/depot.yaml": {"api_token": stored} if stored else {}}
    got = resolve_token(flag, {"XDG_CONFIG_HOME": "/cfg", **env}, read_file=lambda p: files.get(p, {}))
    assert (None if got is None else (got.token, got.source)) == expected
    assert "token=" not in repr(got)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/depot/depot.yaml"),
        ({"HOME": "/h"}, "/h/.config/depot/depot.yaml"),
    ],
)
def test_login_file_path(env: dict[str, str], expected: str) -> None:
    assert login_file_path(env) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("api_token: abc\norg_id: o1\n", {"api_token": "abc", "org_id": "o1"}),
        ("", {}),
        ("- a\n", AuthError),
        ("a: [\n", AuthError),
    ],
)
def test_read_login_file(tmp_path: Path, text: str, expected: object) -> None:
    path = tmp_path / "depot.yaml"
    path.write_text(text)
    if expected is AuthError:
        with pytest.raises(AuthError, match=f"login file '{path}'"):
            read_login_file(str(path))
    else:
        assert read_login_file(str(path)) == expected
    assert read_login_file(str(tmp_path / "missing.yaml")) == {}


def test_project_order_and_walk_up(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "depot.yml").write_text("id: from-root\n")
    (tmp_path / "a" / "depot.json").write_text('{"id": "from-a"}')
    deep = str(tmp_path / "a" / "b")
    assert resolve_project("flag", {"DEPOT_PROJECT_ID": "env"}, [deep]).project_id == "flag"  # type: ignore[union-attr]
    assert resolve_project("", {"DEPOT_PROJECT_ID": "env"}, [deep]).project_id == "env"  # type: ignore[union-attr]
    got = resolve_project("", {}, [deep])
    assert got is not None and (got.project_id, got.source) == ("from-a", str(tmp_path / "a" / "depot.json"))
    both = resolve_project("", {}, [deep, str(tmp_path)])
    assert both is not None and both.project_id == "from-root"
    assert "project IDs differ" in both.warnings[0] and "'from-a'" in both.warnings[0]


@pytest.mark.parametrize(("text", "ok"), [('{"id": 42}', True), ("[1]", False), ("{", False)])
def test_project_file_contents(tmp_path: Path, text: str, ok: bool) -> None:
    (tmp_path / "depot.yaml").write_text(text)
    if ok:
        got = resolve_project("", {}, [str(tmp_path)])
        assert got is not None and got.project_id == "42"
    else:
        with pytest.raises(InputError, match="expected"):
            resolve_project("", {}, [str(tmp_path)])


def test_no_project_anywhere(tmp_path: Path) -> None:
    assert resolve_project("", {}, [str(tmp_path)], find=lambda d: None) is None
