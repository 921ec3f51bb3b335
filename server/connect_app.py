"""A Connect protocol server as an ASGI app: unary calls in ``application/proto`` and
``application/json``, client- and server-streaming calls in ``application/connect+proto``/``+json``,
Connect error bodies and end-of-stream frames, plus plain HTTP routes (``http_routes``: path prefix ->
ASGI-style handler returning the status) for the non-RPC endpoints. Served by hypercorn over HTTP/1.1 and
HTTP/2 (h2c with prior knowledge).

Access log lines carry method, status and duration, never headers (tokens live in Authorization).
"""

from __future__ import annotations

import gzip
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from depotci.core.api.codes import Code
from depotci.core.api.connect import (
    FLAG_END_STREAM,
    EnvelopeReader,
    WireError,
    encode_envelope,
    end_stream_body,
    error_body,
)
from google.protobuf import json_format

__all__ = ["CallContext", "ConnectApp", "ConnectError", "HttpHandler", "Method"]

log = logging.getLogger("depotci.server.access")
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
HttpHandler = Callable[[Scope, Receive, Send], Awaitable[int]]


class ConnectError(Exception):
    """Raised by handlers: answered as a Connect error with ``code`` and ``message``."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CallContext:
    """What a handler may know about the call: the bearer token and the peer's user agent."""

    token: str
    user_agent: str


@dataclass(frozen=True)
class Method:
    """One procedure: ``handler(ctx, request)`` for unary, ``handler(ctx, async iterator)`` for client
    streams; for server streams ``handler(ctx, request)`` returns an async iterator of responses."""

    request_type: type[Any]
    response_type: type[Any]
    handler: Callable[[CallContext, Any], Any]
    client_stream: bool = False
    server_stream: bool = False


def _bearer(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class ConnectApp:
    """Routes ``POST /<package.Service>/<Method>`` to ``methods[path]``."""

    def __init__(self, methods: Mapping[str, Method], http_routes: Mapping[str, HttpHandler] | None = None) -> None:
        self.methods = dict(methods)
        self.http_routes = dict(http_routes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        started = time.monotonic()
        status = await self._handle(scope, receive, send)
        log.info("%s %s %d %.0fms", scope.get("http_version", ""), scope["path"], status, (time.monotonic() - started) * 1000)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> int:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = self.methods.get(scope["path"])
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if method is None:
            for prefix, route in self.http_routes.items():
                if scope["path"] == prefix or (prefix.endswith("/") and scope["path"].startswith(prefix)):
                    return await route(scope, receive, send)
        if scope["method"] != "POST":
            return await _plain(send, 405, b"method not allowed")
        if method is None:
            err = WireError(Code.UNIMPLEMENTED, f"{scope['path']} is not implemented by this server")
            return await _unary_error(send, err, status=404)
        ctx = CallContext(_bearer(headers), headers.get("user-agent", ""))
        if method.server_stream:
            if ctype not in ("application/connect+proto", "application/connect+json"):
                return await _plain(send, 415, f"unsupported content-type '{ctype}'".encode())
            return await self._server_stream(method, ctx, ctype.endswith("json"), headers, receive, send)
        if method.client_stream:
            if ctype not in ("application/connect+proto", "application/connect+json"):
                return await _plain(send, 415, f"unsupported content-type '{ctype}'".encode())
            return await self._stream(method, ctx, ctype.endswith("json"), headers, receive, send)
        if ctype not in ("application/proto", "application/json"):
            return await _plain(send, 415, f"unsupported content-type '{ctype}'".encode())
        return await self._unary(method, ctx, ctype.endswith("json"), headers, receive, send)

    async def _unary(
        self, method: Method, ctx: CallContext, as_json: bool, headers: Mapping[str, str], receive: Receive, send: Send
    ) -> int:
        body = await _read_body(receive)
        if headers.get("content-encoding", "identity") == "gzip":
            body = gzip.decompress(body)
        try:
            request = _decode(method.request_type, body, as_json)
            response = await method.handler(ctx, request)
        except ConnectError as exc:
            return await _unary_error(send, WireError(exc.code, exc.message))
        except Exception:
            logging.getLogger("depotci.server").exception("handler failed")
            return await _unary_error(send, WireError(Code.INTERNAL, "internal server error"))
        payload = _encode(response, as_json)
        ctype = b"application/json" if as_json else b"application/proto"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", ctype)]})
        await send({"type": "http.response.body", "body": payload})
        return 200

    async def _stream(
        self, method: Method, ctx: CallContext, as_json: bool, headers: Mapping[str, str], receive: Receive, send: Send
    ) -> int:
        reader = EnvelopeReader(headers.get("connect-content-encoding", ""))

        async def messages() -> AsyncIterator[Any]:
            while True:
                event = await receive()
                if event["type"] == "http.disconnect":
                    raise ConnectError(Code.CANCELED, "the client went away")
                for flags, payload in reader.feed(event.get("body", b"")):
                    if flags & FLAG_END_STREAM:
                        continue
                    yield _decode(method.request_type, payload, as_json)
                if not event.get("more_body", False):
                    if reader.pending:
                        raise ConnectError(Code.INVALID_ARGUMENT, "truncated stream message")
                    return

        end: WireError | None = None
        out = b""
        try:
            response = await method.handler(ctx, messages())
            out = encode_envelope(_encode(response, as_json))
        except ConnectError as exc:
            end = WireError(exc.code, exc.message)
        except ValueError as exc:
            end = WireError(Code.INVALID_ARGUMENT, str(exc))
        except Exception:
            logging.getLogger("depotci.server").exception("stream handler failed")
            end = WireError(Code.INTERNAL, "internal server error")
        ctype = b"application/connect+json" if as_json else b"application/connect+proto"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", ctype)]})
        await send({"type": "http.response.body", "body": out + encode_envelope(end_stream_body(end), FLAG_END_STREAM)})
        return 200


    async def _server_stream(
        self, method: Method, ctx: CallContext, as_json: bool, headers: Mapping[str, str], receive: Receive, send: Send
    ) -> int:
        import asyncio

        reader = EnvelopeReader(headers.get("connect-content-encoding", ""))
        frames = [p for f, p in reader.feed(await _read_body(receive)) if not f & FLAG_END_STREAM]
        ctype = b"application/connect+json" if as_json else b"application/connect+proto"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", ctype)]})
        end: WireError | None = None

        async def produce() -> None:
            nonlocal end
            try:
                if len(frames) != 1:
                    raise ConnectError(Code.INVALID_ARGUMENT, "a server-streaming call takes exactly one request message")
                async for msg in method.handler(ctx, _decode(method.request_type, frames[0], as_json)):
                    await send({"type": "http.response.body", "body": encode_envelope(_encode(msg, as_json)), "more_body": True})
            except ConnectError as exc:
                end = WireError(exc.code, exc.message)
            except Exception:
                logging.getLogger("depotci.server").exception("stream handler failed")
                end = WireError(Code.INTERNAL, "internal server error")

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        work, gone = asyncio.create_task(produce()), asyncio.create_task(disconnected())
        done, _ = await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        for task in (work, gone):
            if task not in done:
                task.cancel()
        if work in done:
            await send({"type": "http.response.body", "body": encode_envelope(end_stream_body(end), FLAG_END_STREAM)})
        return 200


def _decode(message_type: type[Any], body: bytes, as_json: bool) -> Any:
    msg = message_type()
    try:
        if as_json:
            json_format.Parse(body or b"{}", msg)
        else:
            msg.ParseFromString(body)
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError/ParseError
        raise ConnectError(Code.INVALID_ARGUMENT, f"cannot decode {message_type.__name__}: {exc}") from None
    return msg


def _encode(msg: Any, as_json: bool) -> bytes:
    if as_json:
        return json_format.MessageToJson(msg).encode()
    data: bytes = msg.SerializeToString()
    return data


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            break
        chunks.append(event.get("body", b""))
        if not event.get("more_body", False):
            break
    return b"".join(chunks)


async def _unary_error(send: Send, err: WireError, status: int = 0) -> int:
    code = status or err.code.http_status
    await send({"type": "http.response.start", "status": code, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": error_body(err)})
    return code


async def _plain(send: Send, status: int, body: bytes) -> int:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
    return status
