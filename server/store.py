"""The server's database: SQLite in WAL mode, schema migrations in code, tokens stored hashed.

Tables: ``organizations``, ``projects``, ``tokens`` (sha256 of the token, kind org|project|build|pull, scope,
expiry), ``builds`` (status running|finished|failed|canceled, the CreateBuild options, platform,
timestamps, error, last health report). Calls are short and serialised by one lock; the server runs them
on its event loop.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

__all__ = ["MIGRATIONS", "Build", "Project", "Store", "TokenRecord", "hash_token", "new_id"]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL);
    CREATE TABLE projects (
        id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL,
        created_at REAL NOT NULL);
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('org', 'project', 'build')),
        org_id TEXT NOT NULL, project_id TEXT, build_id TEXT, description TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL, expires_at REAL);
    CREATE TABLE builds (
        id TEXT PRIMARY KEY, org_id TEXT NOT NULL, project_id TEXT NOT NULL REFERENCES projects(id),
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'canceled')),
        command INTEGER NOT NULL DEFAULT 0, options BLOB NOT NULL DEFAULT x'', platform TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL, finished_at REAL, error TEXT NOT NULL DEFAULT '', last_health_at REAL,
        canceled_at REAL);
    CREATE INDEX builds_by_project ON builds (project_id, created_at DESC);
    """,
    """
    ALTER TABLE builds ADD COLUMN status_frames INTEGER NOT NULL DEFAULT 0;
    """,
    """
    ALTER TABLE projects ADD COLUMN region_id TEXT NOT NULL DEFAULT 'us-east-1';
    ALTER TABLE projects ADD COLUMN keep_bytes INTEGER NOT NULL DEFAULT 53687091200;
    ALTER TABLE projects ADD COLUMN keep_days INTEGER NOT NULL DEFAULT 14;
    ALTER TABLE projects ADD COLUMN hardware INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE projects ADD COLUMN cache_reset_at REAL;
    ALTER TABLE tokens ADD COLUMN id TEXT;
    ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT '';
    ALTER TABLE tokens ADD COLUMN revoked_at REAL;
    CREATE UNIQUE INDEX tokens_by_id ON tokens (id);
    CREATE TABLE trust_policies (
        id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
        provider TEXT NOT NULL CHECK (provider IN ('github', 'gitlab', 'circleci', 'buildkite')),
        subject_a TEXT NOT NULL, subject_b TEXT NOT NULL, created_at REAL NOT NULL);
    CREATE INDEX trust_by_project ON trust_policies (project_id);
    CREATE TABLE logins (
        id TEXT PRIMARY KEY, created_at REAL NOT NULL, expires_at REAL NOT NULL, approved_at REAL,
        org_id TEXT, delivered_at REAL);
    """,
    # pull tokens (GetPullInfo/GetPullToken): SQLite cannot alter a CHECK, so the table is rebuilt
    """
    CREATE TABLE tokens_v4 (
        hash TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('org', 'project', 'build', 'pull')),
        org_id TEXT NOT NULL, project_id TEXT, build_id TEXT, description TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL, expires_at REAL, id TEXT, scope TEXT NOT NULL DEFAULT '', revoked_at REAL);
    INSERT INTO tokens_v4 (hash, kind, org_id, project_id, build_id, description, created_at, expires_at, id, scope,
        revoked_at)
        SELECT hash, kind, org_id, project_id, build_id, description, created_at, expires_at, id, scope, revoked_at
        FROM tokens;
    DROP TABLE tokens;
    ALTER TABLE tokens_v4 RENAME TO tokens;
    CREATE UNIQUE INDEX tokens_by_id ON tokens (id);
    """,
)


def new_id(n: int = 10) -> str:
    """A random lower-case id like the hosted API's."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


def hash_token(token: str) -> str:
    """Tokens are 256-bit random, so an unsalted sha256 is a safe lookup key."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Project:
    id: str
    org_id: str
    name: str


@dataclass(frozen=True)
class TokenRecord:
    kind: str
    org_id: str
    project_id: str | None
    build_id: str | None
    expires_at: float | None
    scope: tuple[str, ...] = ()  # extra projects of a project token minted for an OIDC identity


@dataclass(frozen=True)
class Build:
    id: str
    org_id: str
    project_id: str
    status: str
    created_at: float
    finished_at: float | None
    error: str
    platform: str
    last_health_at: float | None
    canceled_at: float | None
    status_frames: int


_BUILD_COLS = (
    "id, org_id, project_id, status, created_at, finished_at, error, platform, last_health_at, canceled_at, status_frames"
)


class Store:
    """All database access of the server."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self.migrate()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version."""
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            for i, script in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.executescript(f"BEGIN; {script} PRAGMA user_version = {i}; COMMIT;")
            return len(MIGRATIONS)

    def _one(self, sql: str, *args: object) -> tuple[object, ...] | None:
        with self._lock:
            row: tuple[object, ...] | None = self._db.execute(sql, args).fetchone()
            return row

    def _exec(self, sql: str, *args: object) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        """Every row of a SELECT (for the modules that own other tables, e.g. accounts_store)."""
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def execute(self, sql: str, *args: object) -> int:
        """Run one statement; the number of rows it changed."""
        return self._exec(sql, *args)

    # organizations and projects
    def ensure_org(self, name: str = "default") -> str:
        row = self._one("SELECT id FROM organizations WHERE name = ?", name)
        if row is not None:
            return str(row[0])
        org_id = new_id()
        self._exec("INSERT INTO organizations VALUES (?, ?, ?)", org_id, name, time.time())
        return org_id

    def create_project(self, org_id: str, name: str, project_id: str = "") -> Project:
        pid = project_id or new_id()
        self._exec("INSERT INTO projects (id, org_id, name, created_at) VALUES (?, ?, ?, ?)", pid, org_id, name, time.time())
        return Project(pid, org_id, name)

    def get_project(self, project_id: str) -> Project | None:
        row = self._one("SELECT id, org_id, name FROM projects WHERE id = ?", project_id)
        return Project(str(row[0]), str(row[1]), str(row[2])) if row else None

    def token_count(self) -> int:
        row = self._one("SELECT count(*) FROM tokens WHERE kind IN ('org', 'project')")
        return int(row[0]) if row else 0  # type: ignore[call-overload]

    # tokens
    def create_token(
        self,
        kind: str,
        org_id: str,
        *,
        project_id: str | None = None,
        build_id: str | None = None,
        ttl: float | None = None,
        description: str = "",
        scope: tuple[str, ...] = (),
    ) -> str:
        """Mint a token; only its hash is stored. Returns the token (shown once)."""
        token = f"ds{kind[0]}_{secrets.token_urlsafe(32)}"
        expires = time.time() + ttl if ttl else None
        self._exec(
            "INSERT INTO tokens (hash, kind, org_id, project_id, build_id, description, created_at, expires_at, id, scope)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            hash_token(token), kind, org_id, project_id, build_id, description, time.time(), expires,
            "tok_" + new_id(16), ",".join(scope),
        )
        return token

    def lookup_token(self, token: str) -> TokenRecord | None:
        row = self._one(
            "SELECT kind, org_id, project_id, build_id, expires_at, scope FROM tokens"
            " WHERE hash = ? AND revoked_at IS NULL",
            hash_token(token),
        )
        if row is None:
            return None
        kind, org, project, build, expires, scope = row
        extra = tuple(filter(None, str(scope).split(",")))
        return TokenRecord(str(kind), str(org), project, build, expires, extra)  # type: ignore[arg-type]

    # builds
    def create_build(self, org_id: str, project_id: str, command: int, options: bytes) -> Build:
        bid = new_id()
        now = time.time()
        self._exec(
            "INSERT INTO builds (id, org_id, project_id, status, command, options, created_at, last_health_at)"
            " VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
            bid, org_id, project_id, command, options, now, now,
        )
        build = self.get_build(bid)
        assert build is not None
        return build

    def get_build(self, build_id: str) -> Build | None:
        row = self._one(f"SELECT {_BUILD_COLS} FROM builds WHERE id = ?", build_id)
        return Build(*row) if row else None  # type: ignore[arg-type]

    def build_options(self, build_id: str) -> bytes:
        """The serialized ``CreateBuildRequest`` (its options) a build was created with; b"" if unknown."""
        row = self._one("SELECT options FROM builds WHERE id = ?", build_id)
        value = row[0] if row else None
        return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else b""

    def finish_build(self, build_id: str, status: str, error: str = "", *, canceled: bool = False) -> bool:
        """Record the end of a running build; False when it had already ended (the first end wins)."""
        now = time.time()
        return (
            self._exec(
                "UPDATE builds SET status = ?, error = ?, finished_at = ?, canceled_at = ?"
                " WHERE id = ? AND status = 'running'",
                status, error, now, now if canceled else None, build_id,
            )
            == 1
        )

    def record_health(self, build_id: str, platform: str) -> None:
        self._exec(
            "UPDATE builds SET last_health_at = ?, platform = CASE WHEN platform = '' THEN ? ELSE platform END"
            " WHERE id = ?",
            time.time(), platform, build_id,
        )

    def add_status_frames(self, build_id: str, n: int) -> None:
        self._exec("UPDATE builds SET status_frames = status_frames + ? WHERE id = ?", n, build_id)

    def list_builds(self, project_id: str, limit: int, before: float | None = None) -> list[Build]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_BUILD_COLS} FROM builds WHERE project_id = ? AND created_at < ?"
                " ORDER BY created_at DESC LIMIT ?",
                (project_id, before if before is not None else float("inf"), limit),
            ).fetchall()
        return [Build(*r) for r in rows]

    def stale_builds(self, older_than: float) -> list[Build]:
        """Running builds whose last health report is before ``older_than``."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_BUILD_COLS} FROM builds WHERE status = 'running' AND last_health_at < ?", (older_than,)
            ).fetchall()
        return [Build(*r) for r in rows]

    def fail_running(self, error: str) -> int:
        """Fail every running build (at startup: leases and gateway connections did not survive)."""
        return self._exec(
            "UPDATE builds SET status = 'failed', error = ?, finished_at = ?, canceled_at = ? WHERE status = 'running'",
            error, time.time(), time.time(),
        )
