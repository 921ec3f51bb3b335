"""A Connect client on httpx: unary and client-streaming calls with binary protobuf.

HTTP/1.1 by default, each concurrent call on its own pooled connection: a build makes calls from three
threads at once (the status stream, health reports, the main flow), and httpcore's synchronous HTTP/2
connection is not safe for that — streams sharing it from several threads failed with ``KeyError`` in
``_response_closed`` or hung (seen in 1 of ~6 runs of 20 concurrent builds). HTTP/1.1 also spares the
``h2`` import (~35 ms per run). ``http_version="2"``: cleartext HTTP/2 with prior knowledge for
``http://`` base URLs (what the Go CLI speaks), ALPN for ``https://``. Idempotent calls are retried
with exponential backoff when the API is unavailable (connection refused, 502/503/504, ``unavailable``).
Every failure surfaces as ``ApiError(code, message)``; tokens go only into the Authorization header and
never into a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, TypeVar

import httpx
from depotci.core.api.codes import Code
from depotci.core.api.connect import (
    FLAG_END_STREAM,
    EnvelopeReader,
    WireError,
    encode_envelope,
    parse_end_stream,
    parse_error_body,
)
from depotci.core.errors import ApiError

__all__ = ["ConnectClient", "RetryPolicy"]

M = TypeVar("M")
USER_AGENT = "depotci"


class RetryPolicy:
    """Attempts and backoff for idempotent calls; ``sleep`` is injectable for tests."""

    def __init__(
        self, attempts: int = 4, initial: float = 0.2, maximum: float = 2.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.attempts = attempts
        self.initial = initial
        self.maximum = maximum
        self.sleep = sleep

    def delays(self) -> Iterator[float]:
        """The pause before each retry (``attempts - 1`` of them)."""
        delay = self.initial
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(delay * 2, self.maximum)


class ConnectClient:
    """Calls ``{base_url}/{package.Service}/{Method}``.

    Args:
        base_url: the API root, e.g. ``https://api.depot.dev`` or ``http://127.0.0.1:8080``.
        http_version: ``"1.1"`` (default) or ``"2"`` (single-threaded use only, see above).
        timeout: default per-call timeout in seconds (sent as ``Connect-Timeout-Ms`` too).
        retry: the policy for idempotent calls.
        transport: an httpx transport to use instead of the network (tests).
        user_agent: the User-Agent header.
    """

    def __init__(
        self,
        base_url: str,
        *,
        http_version: Literal["2", "1.1"] = "1.1",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        h2 = http_version == "2"
        cleartext = self.base_url.startswith("http://")
        self._http = httpx.Client(
            http1=not (h2 and cleartext),
            http2=h2,
            # no TLS on http:// URLs: skip loading the system CA bundle (~150 ms of every build's start)
            verify=not cleartext,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=10.0),
            headers={"User-Agent": user_agent, "Connect-Protocol-Version": "1"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ConnectClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self, token: str, content_type: str, timeout: float) -> dict[str, str]:
        headers = {"Content-Type": content_type, "Connect-Timeout-Ms": str(int(timeout * 1000))}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def unary(
        self,
        path: str,
        request: Any,
        response_type: type[M],
        *,
        token: str = "",
        timeout: float | None = None,
        idempotent: bool = False,
    ) -> M:
        """One unary call; retried on unavailability when ``idempotent``."""
        timeout = timeout or self.timeout
        body = request.SerializeToString()
        delays = self.retry.delays() if idempotent else iter(())
        while True:
            try:
                return self._unary_once(path, body, response_type, token, timeout)
            except ApiError as exc:
                if exc.code != Code.UNAVAILABLE.value:
                    raise
                delay = next(delays, None)
                if delay is None:
                    raise
                self.retry.sleep(delay)

    def _unary_once(self, path: str, body: bytes, response_type: type[M], token: str, timeout: float) -> M:
        try:
            resp = self._http.post(
                self.base_url + path,
                content=body,
                headers=self._headers(token, "application/proto", timeout),
                timeout=timeout,
            )
        except httpx.TimeoutException:
            raise ApiError(Code.DEADLINE_EXCEEDED.value, f"{path}: no answer within {timeout:.0f}s") from None
        except httpx.TransportError as exc:
            raise ApiError(Code.UNAVAILABLE.value, f"cannot reach the Depot API at {self.base_url}: {_reason(exc)}") from None
        if resp.status_code != 200:
            err = parse_error_body(resp.status_code, resp.content, resp.reason_phrase)
            raise ApiError(err.code.value, err.message)
        message: M = response_type()
        try:
            message.ParseFromString(resp.content)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - protobuf's DecodeError; mapped to one code
            raise ApiError(Code.INTERNAL.value, f"{path}: the API answered a malformed message") from None
        return message

    def client_stream(
        self,
        path: str,
        requests: Iterable[Any],
        response_type: type[M],
        *,
        token: str = "",
        timeout: float | None = None,
    ) -> M:
        """A client-streaming call: every message of ``requests`` as one frame, then the one response."""
        timeout = timeout or self.timeout

        def frames() -> Iterator[bytes]:
            for msg in requests:
                yield encode_envelope(msg.SerializeToString())

        try:
            resp = self._http.post(
                self.base_url + path,
                content=frames(),
                headers=self._headers(token, "application/connect+proto", timeout),
                timeout=httpx.Timeout(timeout, read=None, write=None),
            )
        except httpx.TransportError as exc:
            raise ApiError(Code.UNAVAILABLE.value, f"cannot reach the Depot API at {self.base_url}: {_reason(exc)}") from None
        if resp.status_code != 200:
            err = parse_error_body(resp.status_code, resp.content, resp.reason_phrase)
            raise ApiError(err.code.value, err.message)
        reader = EnvelopeReader(resp.headers.get("connect-content-encoding", ""))
        message: M | None = None
        end: WireError | None = None
        try:
            for flags, payload in reader.feed(resp.content):
                if flags & FLAG_END_STREAM:
                    end = parse_end_stream(payload)
                elif message is None:
                    message = response_type()
                    message.ParseFromString(payload)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - malformed frames map to one code
            raise ApiError(Code.INTERNAL.value, f"{path}: malformed stream response: {exc}") from None
        if end is not None:
            raise ApiError(end.code.value, end.message)
        if message is None:
            raise ApiError(Code.INTERNAL.value, f"{path}: the stream ended without a response message")
        return message

    def server_stream(
        self, path: str, request: Any, response_type: type[M], *, token: str = "", timeout: float | None = None
    ) -> Iterator[M]:
        """A server-streaming call: yields each response message as it arrives; an error at the end of
        the stream raises ``ApiError``. Closing the generator early closes the stream."""
        timeout = timeout or self.timeout
        try:
            with self._http.stream(
                "POST", self.base_url + path, content=encode_envelope(request.SerializeToString()),
                headers=self._headers(token, "application/connect+proto", timeout),
                timeout=httpx.Timeout(timeout, read=None),
            ) as resp:
                if resp.status_code != 200:
                    err = parse_error_body(resp.status_code, resp.read(), resp.reason_phrase)
                    raise ApiError(err.code.value, err.message)
                reader = EnvelopeReader(resp.headers.get("connect-content-encoding", ""))
                for chunk in resp.iter_bytes():
                    for flags, payload in reader.feed(chunk):
                        if flags & FLAG_END_STREAM:
                            end = parse_end_stream(payload)
                            if end is not None:
                                raise ApiError(end.code.value, end.message)
                            return
                        message: M = response_type()
                        message.ParseFromString(payload)  # type: ignore[attr-defined]
                        yield message
        except httpx.TimeoutException:
            raise ApiError(Code.DEADLINE_EXCEEDED.value, f"{path}: no answer within {timeout:.0f}s") from None
        except httpx.TransportError as exc:
            raise ApiError(Code.UNAVAILABLE.value, f"cannot reach the Depot API at {self.base_url}: {_reason(exc)}") from None


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused"
    return text
