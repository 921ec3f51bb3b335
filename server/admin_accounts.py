"""``depot-server`` admin commands for accounts (run on the server's data dir, no API call):

    depot-server trust add --project ID (--github OWNER/REPO | --gitlab GROUP/PROJECT
                                         | --circleci ORG_UUID/PROJECT_UUID | --buildkite ORG/PIPELINE)
    depot-server trust list [--project ID]
    depot-server trust remove --project ID POLICY_ID
    depot-server login approve LOGIN_ID           approve a pending `depot login` for the default org
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from depotci.server.accounts_store import AccountsStore
from depotci.server.store import Store

__all__ = ["register", "run"]

_PROVIDERS = ("github", "gitlab", "circleci", "buildkite")


def register(sub: Any) -> None:
    """Add the ``trust`` and ``login`` command groups to the ``depot-server`` parser."""
    tr = sub.add_parser("trust", help="manage OIDC trust policies").add_subparsers(dest="action", required=True)
    ta = tr.add_parser("add", help="trust a CI identity for a project")
    ta.add_argument("--data-dir", required=True)
    ta.add_argument("--project", required=True)
    group = ta.add_mutually_exclusive_group(required=True)
    for name in _PROVIDERS:
        group.add_argument(f"--{name}", metavar="A/B", help=f"the {name} identity, two parts split at the last '/'")
    tl = tr.add_parser("list", help="list trust policies")
    tl.add_argument("--data-dir", required=True)
    tl.add_argument("--project", default="")
    trm = tr.add_parser("remove", help="remove a trust policy")
    trm.add_argument("--data-dir", required=True)
    trm.add_argument("--project", required=True)
    trm.add_argument("policy_id")
    lg = sub.add_parser("login", help="device logins").add_subparsers(dest="action", required=True)
    la = lg.add_parser("approve", help="approve a pending depot login")
    la.add_argument("--data-dir", required=True)
    la.add_argument("login_id")


def _split(provider: str, value: str) -> tuple[str, str]:
    a, sep, b = value.strip().rpartition("/")
    if not sep or not a or not b:
        raise ValueError(f"invalid --{provider} '{value}': expected two parts like OWNER/REPO")
    return a, b


def run(args: argparse.Namespace, store: Store, org_id: str) -> int:
    """Run a ``trust`` or ``login`` command; prints results to stdout, errors to stderr."""
    accounts = AccountsStore(store)
    if args.command == "login":
        if not accounts.approve_login(args.login_id, org_id):
            print(f"error: login '{args.login_id}' is not pending (unknown, expired or already approved)", file=sys.stderr)
            return 1
        print(f"login {args.login_id} approved")
        return 0
    if args.action == "list":
        for t in accounts.trust_policies(args.project or None):
            print(f"{t.id}\t{t.project_id}\t{t.provider}\t{t.a}/{t.b}")
        return 0
    if accounts.project(args.project) is None:
        print(f"error: project '{args.project}' not found", file=sys.stderr)
        return 1
    if args.action == "remove":
        if not accounts.remove_trust_policy(args.project, args.policy_id):
            print(f"error: trust policy '{args.policy_id}' not found in project '{args.project}'", file=sys.stderr)
            return 1
        return 0
    provider = next(p for p in _PROVIDERS if getattr(args, p))
    a, b = _split(provider, getattr(args, provider))
    if provider == "github":
        b = f"{a}/{b}"
    print(accounts.add_trust_policy(args.project, provider, a, b).id)
    return 0
