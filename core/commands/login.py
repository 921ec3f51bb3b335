"""``depot login [--clear] [--org-id ID] [--quiet]``, ``depot login token`` and ``depot logout``
(specs/depot-api.md §4.2).

The device flow: StartLogin gives an approve URL (printed on stderr; opened in a browser only when asked
on a terminal), FinishLogin waits for the approval and streams the token; then the organization is
``--org-id``, the only one ListOrganizations returns, or a terminal pick. The token and org are saved to
``<XDG config>/depot/depot.yaml`` with mode 0600. The token is never printed except by ``login token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from depotci.core.auth import session
from depotci.core.auth.login_file import login_file_path, read_login_file, write_login_file
from depotci.core.auth.session import interactive
from depotci.core.errors import AuthError, UsageError

__all__ = ["login", "login_token", "logout"]


def _pick_org(orgs: list[Any], env: Mapping[str, str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> str:
    if not orgs:
        raise AuthError("the token has no organization")
    if len(orgs) == 1:
        return str(orgs[0].org_id)
    if not interactive(env, stdout, stderr):
        raise UsageError("several organizations are available: pass --org-id (no terminal to pick one)")
    for i, o in enumerate(orgs, 1):
        stderr.write(f"  {i}) {o.name} ({o.org_id})\n")
    stderr.write("Choose an organization [1]: ")
    stderr.flush()
    answer = stdin.readline().strip() or "1"
    if not answer.isdigit() or not 1 <= int(answer) <= len(orgs):
        raise UsageError(f"invalid choice '{answer}': expected a number from 1 to {len(orgs)}")
    return str(orgs[int(answer) - 1].org_id)


def _open_browser(url: str, env: Mapping[str, str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> None:
    if not interactive(env, stdout, stderr):
        return
    stderr.write("Open link in browser? [Y/n] ")
    stderr.flush()
    if stdin.readline().strip().lower() in ("", "y", "yes"):
        import webbrowser

        webbrowser.open(url)


def login(
    clear: bool, org_id: str, quiet: bool, env: Mapping[str, str], stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    """Run the device flow unless a token is stored already; saves ``api_token`` and ``org_id``."""
    path = login_file_path(env)
    stored = read_login_file(path)
    if clear:
        stored = {**stored, "api_token": ""}
        write_login_file(path, stored)
    if stored.get("api_token"):
        if not quiet:
            stdout.write("You are already logged in.\n")
        return 0
    api = session.accounts_api(env)
    try:
        start = api.start_login()
        stderr.write(f"Please visit the following URL to approve this login:\n\n  {start.approve_url}\n\n")
        stderr.flush()
        _open_browser(start.approve_url, env, stdin, stdout, stderr)
        stderr.write("Waiting for approval...\n")
        stderr.flush()
        token = api.finish_login(start.id)
        if not token:
            raise AuthError("the login finished without a token; run `depot login` again")
        write_login_file(path, {**stored, "api_token": token})
        if not org_id:
            org_id = _pick_org(api.list_organizations(token), env, stdin, stdout, stderr)
    finally:
        api.client.close()
    write_login_file(path, {**stored, "api_token": token, "org_id": org_id})
    stdout.write("Successfully authenticated!\n")
    return 0


def login_token(env: Mapping[str, str], stdout: TextIO) -> int:
    """Print the stored token (for ``$(depot login token)``)."""
    token = read_login_file(login_file_path(env)).get("api_token", "")
    if not token:
        raise AuthError("not logged in: no Depot API token found, please run `depot login`")
    stdout.write(token + "\n")
    return 0


def logout(env: Mapping[str, str], stdout: TextIO) -> int:
    """Blank the stored token and organization."""
    path = login_file_path(env)
    stored = read_login_file(path)
    write_login_file(path, {**stored, "api_token": "", "org_id": ""})
    stdout.write("Logout successful!\n")
    return 0
