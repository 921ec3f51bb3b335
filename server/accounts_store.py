"""Database access for accounts: project details, trust policies, API tokens and device logins.

Sits on ``Store`` (same connection and lock; tables from migration 3). Tokens stay hashed: a token's
plaintext exists only in the answer that mints it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from depotci.server.store import Store, new_id

__all__ = ["PROVIDERS", "AccountsStore", "LoginRecord", "ProjectDetail", "TokenInfo", "TrustPolicyRecord"]

PROVIDERS = ("github", "gitlab", "circleci", "buildkite")
_PROJECT_COLS = "p.id, p.org_id, p.name, p.region_id, p.created_at, p.keep_bytes, p.keep_days, p.hardware, o.name"


@dataclass(frozen=True)
class ProjectDetail:
    """A project with its settings and its organization's name."""

    id: str
    org_id: str
    name: str
    region_id: str
    created_at: float
    keep_bytes: int
    keep_days: int
    hardware: int
    org_name: str


@dataclass(frozen=True)
class TrustPolicyRecord:
    """``provider`` github|gitlab|circleci|buildkite; ``a``/``b`` its two subjects (owner/repository,
    namespace/project, organization/project UUIDs, organization/pipeline slugs)."""

    id: str
    project_id: str
    provider: str
    a: str
    b: str


@dataclass(frozen=True)
class TokenInfo:
    id: str
    kind: str
    org_id: str
    project_id: str | None
    description: str


@dataclass(frozen=True)
class LoginRecord:
    id: str
    expires_at: float
    approved_at: float | None
    org_id: str | None
    delivered_at: float | None


def _detail(row: tuple[Any, ...]) -> ProjectDetail:
    pid, org, name, region, created, keep_bytes, keep_days, hardware, org_name = row
    return ProjectDetail(
        str(pid), str(org), str(name), str(region), float(created), int(keep_bytes), int(keep_days),
        int(hardware), str(org_name),
    )


class AccountsStore:
    """Projects, trust policies, tokens and logins on one ``Store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # organizations
    def organizations(self, org_ids: tuple[str, ...] = ()) -> list[tuple[str, str, float]]:
        """``(id, name, created_at)`` of the given organizations (all when empty), by name."""
        rows = self.store.query("SELECT id, name, created_at FROM organizations ORDER BY name")
        return [(str(r[0]), str(r[1]), float(r[2])) for r in rows if not org_ids or r[0] in org_ids]  # type: ignore[arg-type]

    # projects
    def project(self, project_id: str) -> ProjectDetail | None:
        rows = self.store.query(
            f"SELECT {_PROJECT_COLS} FROM projects p JOIN organizations o ON o.id = p.org_id WHERE p.id = ?", project_id
        )
        return _detail(rows[0]) if rows else None

    def projects(self, org_id: str) -> list[ProjectDetail]:
        rows = self.store.query(
            f"SELECT {_PROJECT_COLS} FROM projects p JOIN organizations o ON o.id = p.org_id"
            " WHERE p.org_id = ? ORDER BY p.name, p.id",
            org_id,
        )
        return [_detail(r) for r in rows]

    def create_project(
        self, org_id: str, name: str, region_id: str, keep_bytes: int, keep_days: int, hardware: int
    ) -> ProjectDetail:
        pid = new_id()
        self.store.execute(
            "INSERT INTO projects (id, org_id, name, created_at, region_id, keep_bytes, keep_days, hardware)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            pid, org_id, name, time.time(), region_id, keep_bytes, keep_days, hardware,
        )
        out = self.project(pid)
        assert out is not None
        return out

    def update_project(self, project_id: str, **fields: object) -> ProjectDetail | None:
        """Set any of name, region_id, keep_bytes, keep_days, hardware."""
        allowed = {"name", "region_id", "keep_bytes", "keep_days", "hardware"}
        sets = {k: v for k, v in fields.items() if k in allowed and v is not None}
        if sets:
            assign = ", ".join(f"{k} = ?" for k in sets)
            self.store.execute(f"UPDATE projects SET {assign} WHERE id = ?", *sets.values(), project_id)
        return self.project(project_id)

    def delete_project(self, project_id: str) -> bool:
        """The project, its builds, trust policies and tokens; False when it did not exist."""
        for sql in (
            "DELETE FROM trust_policies WHERE project_id = ?",
            "DELETE FROM tokens WHERE project_id = ?",
            "DELETE FROM builds WHERE project_id = ?",
        ):
            self.store.execute(sql, project_id)
        return self.store.execute("DELETE FROM projects WHERE id = ?", project_id) == 1

    def mark_cache_reset(self, project_id: str) -> None:
        self.store.execute("UPDATE projects SET cache_reset_at = ? WHERE id = ?", time.time(), project_id)

    # trust policies
    def trust_policies(self, project_id: str | None = None) -> list[TrustPolicyRecord]:
        """The policies of one project, or of every project."""
        sql = "SELECT id, project_id, provider, subject_a, subject_b FROM trust_policies"
        rows = (
            self.store.query(sql + " WHERE project_id = ? ORDER BY created_at", project_id)
            if project_id is not None
            else self.store.query(sql + " ORDER BY created_at")
        )
        return [TrustPolicyRecord(*(str(v) for v in r)) for r in rows]

    def add_trust_policy(self, project_id: str, provider: str, a: str, b: str) -> TrustPolicyRecord:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown trust policy provider '{provider}': expected one of {', '.join(PROVIDERS)}")
        tid = "tp_" + new_id(12)
        self.store.execute(
            "INSERT INTO trust_policies VALUES (?, ?, ?, ?, ?, ?)", tid, project_id, provider, a, b, time.time()
        )
        return TrustPolicyRecord(tid, project_id, provider, a, b)

    def remove_trust_policy(self, project_id: str, policy_id: str) -> bool:
        return self.store.execute("DELETE FROM trust_policies WHERE id = ? AND project_id = ?", policy_id, project_id) == 1

    # tokens
    def tokens(self, project_id: str) -> list[TokenInfo]:
        """Live (not revoked, not expired) project tokens of a project."""
        rows = self.store.query(
            "SELECT id, kind, org_id, project_id, description FROM tokens WHERE project_id = ? AND kind = 'project'"
            " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at",
            project_id, time.time(),
        )
        return [TokenInfo(str(r[0]), str(r[1]), str(r[2]), r[3], str(r[4])) for r in rows]  # type: ignore[arg-type]

    def token_info(self, token_id: str) -> TokenInfo | None:
        rows = self.store.query(
            "SELECT id, kind, org_id, project_id, description FROM tokens WHERE id = ? AND revoked_at IS NULL", token_id
        )
        if not rows:
            return None
        r = rows[0]
        return TokenInfo(str(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]))  # type: ignore[arg-type]

    def describe_token(self, token_id: str, description: str) -> bool:
        return self.store.execute(
            "UPDATE tokens SET description = ? WHERE id = ? AND revoked_at IS NULL", description, token_id
        ) == 1

    def revoke_token(self, token_id: str) -> bool:
        return self.store.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", time.time(), token_id
        ) == 1

    def token_id_of(self, token: str) -> str | None:
        from depotci.server.store import hash_token

        rows = self.store.query("SELECT id FROM tokens WHERE hash = ?", hash_token(token))
        return str(rows[0][0]) if rows else None

    # device logins
    def start_login(self, ttl: float) -> str:
        lid = new_id(20)
        now = time.time()
        self.store.execute("INSERT INTO logins (id, created_at, expires_at) VALUES (?, ?, ?)", lid, now, now + ttl)
        return lid

    def login(self, login_id: str) -> LoginRecord | None:
        rows = self.store.query(
            "SELECT id, expires_at, approved_at, org_id, delivered_at FROM logins WHERE id = ?", login_id
        )
        return LoginRecord(*rows[0]) if rows else None  # type: ignore[arg-type]

    def approve_login(self, login_id: str, org_id: str) -> bool:
        """Approve a pending, unexpired login for ``org_id``."""
        return self.store.execute(
            "UPDATE logins SET approved_at = ?, org_id = ? WHERE id = ? AND approved_at IS NULL AND expires_at > ?",
            time.time(), org_id, login_id, time.time(),
        ) == 1

    def claim_login(self, login_id: str) -> bool:
        """Mark an approved login delivered; True only for the one caller that gets its token."""
        return self.store.execute(
            "UPDATE logins SET delivered_at = ? WHERE id = ? AND approved_at IS NOT NULL AND delivered_at IS NULL",
            time.time(), login_id,
        ) == 1
