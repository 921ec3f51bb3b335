"""``depot.cli.v1beta1.LoginService`` (the device login of ``depot login``) and its approval page.

StartLogin (no auth) records a pending login and answers ``{id, approve_url}``; the URL is this server's
``/login/<id>`` page. Someone who holds an organization token approves it there (or with
``depot-server login approve ID``). FinishLogin is a server stream that waits for the approval and then
sends one message with a new organization token, minted at that moment, for exactly one caller; logins
expire after ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from depotci.core._gen.depot.cli.v1beta1 import login_pb2 as pb
from depotci.core.api.codes import Code
from depotci.server.accounts_store import AccountsStore
from depotci.server.auth import Authenticator
from depotci.server.connect_app import CallContext, ConnectError, HttpHandler, Method
from depotci.server.web import page, read_form, send_html

__all__ = ["LoginService"]

log = logging.getLogger("depotci.server")
PATH = "/login/"


class LoginService:
    PREFIX = "/depot.cli.v1beta1.LoginService/"

    def __init__(
        self, accounts: AccountsStore, auth: Authenticator, base_url: str, ttl: float = 600.0, poll: float = 0.25
    ) -> None:
        self.accounts = accounts
        self.auth = auth
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        self.poll = poll

    def methods(self) -> dict[str, Method]:
        return {
            self.PREFIX + "StartLogin": Method(pb.StartLoginRequest, pb.StartLoginResponse, self.start_login),
            self.PREFIX + "FinishLogin": Method(
                pb.FinishLoginRequest, pb.FinishLoginResponse, self.finish_login, server_stream=True
            ),
        }

    def http_routes(self) -> dict[str, HttpHandler]:
        return {PATH: self.approve_page}

    async def start_login(self, ctx: CallContext, req: Any) -> Any:
        login_id = self.accounts.start_login(self.ttl)
        log.info("login %s started", login_id)
        return pb.StartLoginResponse(id=login_id, approve_url=f"{self.base_url}{PATH}{login_id}")

    async def finish_login(self, ctx: CallContext, req: Any) -> AsyncIterator[Any]:
        while True:
            rec = self.accounts.login(req.id)
            if rec is None:
                raise ConnectError(Code.NOT_FOUND, f"login '{req.id}' not found")
            if rec.delivered_at is not None:
                raise ConnectError(Code.FAILED_PRECONDITION, f"login '{req.id}' was already completed")
            if rec.approved_at is not None and rec.org_id:
                if not self.accounts.claim_login(req.id):
                    raise ConnectError(Code.FAILED_PRECONDITION, f"login '{req.id}' was already completed")
                token = self.accounts.store.create_token("org", rec.org_id, description="depot login")
                log.info("login %s completed", req.id)
                yield pb.FinishLoginResponse(token=token)
                return
            if rec.expires_at <= time.time():
                raise ConnectError(Code.DEADLINE_EXCEEDED, f"login '{req.id}' expired before it was approved; run `depot login` again")
            await asyncio.sleep(self.poll)

    async def approve_page(self, scope: Any, receive: Any, send: Any) -> int:
        login_id = scope["path"][len(PATH):].strip("/")
        rec = self.accounts.login(login_id) if login_id else None
        if rec is None:
            return await send_html(send, 404, page("Unknown login", f"There is no login '{login_id}'."))
        if rec.approved_at is not None:
            return await send_html(send, 200, page("Login approved", "You can close this window."))
        if rec.expires_at <= time.time():
            return await send_html(send, 410, page("Login expired", "Run `depot login` again."))
        if scope["method"] == "POST":
            fields = await read_form(receive)
            try:
                p = self.auth.org(fields.get("token", "").strip())
            except ConnectError as exc:
                return await send_html(send, 403, page("Login not approved", f"The token was refused: {exc.message}."))
            if not self.accounts.approve_login(login_id, p.org_id):
                return await send_html(send, 409, page("Login not approved", "The login is no longer pending."))
            log.info("login %s approved", login_id)
            return await send_html(send, 200, page("Login approved", "Return to your terminal; you can close this window."))
        form = (
            f"<form method='post' action='{html.escape(PATH + login_id)}'>"
            "<label>Organization API token <input type='password' name='token' autocomplete='off' required></label> "
            "<button type='submit'>Approve</button></form>"
        )
        return await send_html(send, 200, page(
            "Approve depot login",
            f"A depot CLI asks to log in (request {login_id}). Approving gives it a new organization token.",
            form=form,
        ))
