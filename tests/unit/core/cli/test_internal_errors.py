"""A bug ends as one line and exit code 1 at every edge (CLI, GitHub, GitLab) — never a traceback —
unless DEPOTCI_DEBUG asks for the traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from depotci.core.errors import internal_error


def _boom(*_: object, **__: object) -> int:
    raise KeyError(5)


def test_internal_error_is_one_line_or_reraised() -> None:
    err = internal_error(KeyError(5), {})
    assert str(err) == "internal error: KeyError: 5 (please report it; DEPOTCI_DEBUG=1 shows where)"
    with pytest.raises(KeyError):
        internal_error(KeyError(5), {"DEPOTCI_DEBUG": "1"})


def test_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from depotci.core.cli import main

    monkeypatch.delenv("DEPOTCI_DEBUG", raising=False)
    monkeypatch.setattr(main, "run", _boom)
    assert main.main(["build", "."]) == 1
    assert capsys.readouterr().err == "error: internal error: KeyError: 5 (please report it; DEPOTCI_DEBUG=1 shows where)\n"


def test_github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from depotci.actions import build_command, main

    monkeypatch.setattr(build_command, "run_build_push", _boom)
    log = io.StringIO()
    assert main.run(["build"], {"GITHUB_WORKSPACE": str(tmp_path)}, log, str(tmp_path)) == 1
    assert log.getvalue() == "::error::internal error: KeyError: 5 (please report it; DEPOTCI_DEBUG=1 shows where)\n"


def test_gitlab(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from depotci.gitlab import main

    monkeypatch.delenv("DEPOTCI_DEBUG", raising=False)
    monkeypatch.setattr(main, "run", _boom)
    assert main.main(["build"]) == 1
    assert capsys.readouterr().err.endswith("ERROR:\x1b[0m internal error: KeyError: 5 (please report it; DEPOTCI_DEBUG=1 shows where)\n")
