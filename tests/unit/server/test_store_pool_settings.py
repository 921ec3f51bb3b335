"""Store (migrations, hashed tokens, first end wins), pool leases, settings parsing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from depotci.server.pool import Pool
from depotci.server.settings import BuilderSpec, parse_builder, split_host_port
from depotci.server.store import MIGRATIONS, Store


def test_migrations_apply_once_and_tokens_are_stored_hashed(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    store = Store(str(db))
    org = store.ensure_org()
    token = store.create_token("org", org)
    assert store.migrate() == len(MIGRATIONS)
    store.close()
    again = Store(str(db))  # reopening re-runs nothing
    assert again.lookup_token(token) is not None and again.lookup_token(token + "x") is None
    again.close()
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    hashes = [r[0] for r in raw.execute("SELECT hash FROM tokens")]
    raw.close()
    assert token not in hashes and len(hashes[0]) == 64
    assert token.encode() not in db.read_bytes()


def test_first_end_wins_and_restart_fails_running_builds(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "d.db"))
    org = store.ensure_org()
    pid = store.create_project(org, "p").id
    a, b = store.create_build(org, pid, 1, b""), store.create_build(org, pid, 1, b"")
    assert store.finish_build(a.id, "finished")
    assert not store.finish_build(a.id, "failed", "late")
    assert store.fail_running("the server restarted") == 1
    assert (store.get_build(a.id).status, store.get_build(b.id).status) == ("finished", "failed")  # type: ignore[union-attr]
    assert store.get_build(b.id).error == "the server restarted"  # type: ignore[union-attr]
    store.close()


def test_pool_leases_by_arch_and_capacity() -> None:
    pool = Pool([BuilderSpec("x", "amd64", "e1", 2), BuilderSpec("y", "amd64", "e2", 1), BuilderSpec("z", "arm64", "e3", 1)])
    got = [pool.acquire(f"b{i}", "amd64") for i in range(4)]
    assert [g.name if g else None for g in got] == ["x", "y", "x", None]
    assert pool.acquire("b0", "amd64") is got[0]  # a build keeps its lease
    assert pool.acquire("b9", "arm64").name == "z"  # type: ignore[union-attr]
    assert pool.release("b1") == 1
    assert pool.acquire("b3", "amd64").name == "y"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("amd64=docker://unix:///s.sock", BuilderSpec("amd64-0", "amd64", "docker://unix:///s.sock", 4)),
        ("arm64=tcp://h:1234,capacity=2", BuilderSpec("arm64-0", "arm64", "tcp://h:1234", 2)),
        ("riscv=tcp://h:1", "expected ARCH=ENDPOINT"),
        ("amd64=tcp://h:1,capacity=0", "expected capacity=N"),
        ("amd64=tcp://h:1,size=3", "invalid --builder option 'size=3'"),
    ],
)
def test_parse_builder(value: str, expected: object) -> None:
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            parse_builder(value, 0)
    else:
        assert parse_builder(value, 0) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:80", ("127.0.0.1", 80)), ("[::1]:9", ("::1", 9)), ("host", None), (":80", None)],
)
def test_split_host_port(value: str, expected: tuple[str, int] | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match=f"invalid --listen '{value}'"):
            split_host_port(value, "--listen")
    else:
        assert split_host_port(value, "--listen") == expected
