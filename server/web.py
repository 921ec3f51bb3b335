"""Small ASGI helpers for the server's plain HTTP endpoints (OIDC exchange, login approval page)."""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["page", "read_body", "read_form", "send_html", "send_json"]

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
MAX_BODY = 64 * 1024


async def read_body(receive: Receive, limit: int = MAX_BODY) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            break
        chunk = event.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not event.get("more_body", False):
            break
    return b"".join(chunks)


async def read_form(receive: Receive) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, first value of each field."""
    body = await read_body(receive) or b""
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


async def send_json(send: Send, status: int, data: Mapping[str, Any]) -> int:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": json.dumps(data).encode()})
    return status


async def send_html(send: Send, status: int, body: str) -> int:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store"),
                            (b"x-frame-options", b"DENY")]})
    await send({"type": "http.response.body", "body": body.encode()})
    return status


def page(title: str, *paragraphs: str, form: str = "") -> str:
    """A minimal HTML page; paragraphs are escaped, ``form`` is trusted markup."""
    text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'><h1>{html.escape(title)}</h1>"
        f"{text}{form}</body></html>"
    )
