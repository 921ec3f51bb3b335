"""A sync httpx transport that runs each request through an ASGI app on a fresh event loop: the
in-process server tests drive the app with the real (sync) clients."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

__all__ = ["SyncASGI"]


class SyncASGI(httpx.BaseTransport):
    """Each request through the ASGI ``app`` on a fresh event loop (the clients under test are sync)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> httpx.Response:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            resp = await httpx.ASGITransport(app=self.app).handle_async_request(inner)
            return httpx.Response(resp.status_code, headers=resp.headers, content=await resp.aread())

        return asyncio.run(call())
