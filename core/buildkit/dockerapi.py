"""A minimal Docker Engine API client over a unix or tcp socket: ping, info, the HTTP upgrades
(``POST /grpc``, ``POST /session``) that carry BuildKit's gRPC, and a streamed ``POST /images/load``.

Hand-written rather than httpx because the upgrade needs the raw socket after ``101 Switching
Protocols`` and because ``depot build`` must start fast.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from depotci.core.buildkit.endpoint import DEFAULT_DOCKER_SOCKET, Endpoint, parse_endpoint
from depotci.core.errors import BuilderError

__all__ = ["DockerEngine", "dial", "local_engine"]

CONNECT_TIMEOUT = 10.0


def dial(endpoint: Endpoint, timeout: float = CONNECT_TIMEOUT) -> socket.socket:
    """Open a stream socket to the endpoint's address; BuilderError naming it when unreachable."""
    sock: socket.socket | None = None
    try:
        path = endpoint.unix_path
        if path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
        else:
            sock = socket.create_connection(endpoint.host_port, timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as exc:
        if sock is not None:
            sock.close()
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise BuilderError(f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source}): {reason}") from None
    return sock


def _read_head(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response headers")
        buf += chunk
        if len(buf) > 1 << 20:
            raise ConnectionError("response headers too large")
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


class DockerEngine:
    """Requests against one Docker Engine."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def request(
        self, method: str, path: str, body: bytes | None = None, timeout: float = 30.0,
        extra_headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        sock = dial(self.endpoint, min(timeout, CONNECT_TIMEOUT))
        try:
            sock.settimeout(timeout)
            head = f"{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in (extra_headers or {}).items())
            if body is not None:
                head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            sock.sendall(head.encode() + b"\r\n" + (body or b""))
            status, headers, rest = _read_head(sock)
            chunks = [rest]
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            data = b"".join(chunks)
            if headers.get("transfer-encoding", "").lower() == "chunked":
                data = _dechunk(data)
            return status, data
        except (OSError, ConnectionError, ValueError) as exc:
            raise BuilderError(f"{self.endpoint.describe()}: {method} {path} failed: {exc}") from None
        finally:
            sock.close()

    def json(self, method: str, path: str, body: Any = None) -> Any:
        raw = None if body is None else json.dumps(body).encode()
        status, data = self.request(method, path, raw)
        if status >= 400:
            try:
                message = json.loads(data).get("message", "")
            except ValueError:
                message = data.decode(errors="replace").strip()
            raise BuilderError(f"{self.endpoint.describe()}: {method} {path}: {status} {message}")
        try:
            return json.loads(data) if data.strip() else None
        except ValueError:
            raise BuilderError(f"{self.endpoint.describe()}: {method} {path}: the answer is not JSON") from None

    def ping(self) -> None:
        status, _ = self.request("GET", "/_ping", timeout=CONNECT_TIMEOUT)
        if status != 200:
            raise BuilderError(f"{self.endpoint.describe()} answered /_ping with {status}")

    def upgrade(
        self, path: str, headers: Sequence[tuple[str, str]] = (), proto: str = "h2c"
    ) -> tuple[socket.socket, bytes]:
        """``POST path`` with ``Upgrade: proto``; returns the socket after ``101`` and any bytes the
        daemon already sent behind the response head (its HTTP/2 preface may arrive in the same read)."""
        sock = dial(self.endpoint)
        try:
            lines = [f"POST {path} HTTP/1.1", "Host: docker", "Connection: Upgrade", f"Upgrade: {proto}"]
            lines += [f"{k}: {v}" for k, v in headers]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            status, _, rest = _read_head(sock)
            if status != 101:
                raise BuilderError(f"{self.endpoint.describe()}: {path} upgrade answered {status}")
            sock.settimeout(None)
            return sock, rest
        except (OSError, ConnectionError, ValueError) as exc:
            sock.close()
            raise BuilderError(f"{self.endpoint.describe()}: {path} upgrade failed: {exc}") from None
        except BuilderError:
            sock.close()
            raise


    def pull(self, reference: str, username: str, password: str, platform: str = "") -> list[dict[str, Any]]:
        """``POST /images/create`` for ``reference`` (``host/repo:tag``) with registry credentials; returns
        the progress messages; BuilderError with the engine's message when the pull fails."""
        name, _, tag = reference.rpartition(":")
        if "/" in tag or not name:
            name, tag = reference, "latest"
        query = {"fromImage": name, "tag": tag, **({"platform": platform} if platform else {})}
        auth = json.dumps({"username": username, "password": password, "serveraddress": name.split("/", 1)[0]})
        where = f"{self.endpoint.describe()}: pull {reference}"
        status, data = self.request(
            "POST", f"/images/create?{urlencode(query)}", b"", timeout=600.0,
            extra_headers={"X-Registry-Auth": base64.urlsafe_b64encode(auth.encode()).decode()},
        )
        messages: list[dict[str, Any]] = []
        for line in data.decode(errors="replace").splitlines():
            try:
                msg = json.loads(line) if line.strip() else None
            except ValueError:
                msg = {"error": line.strip()}
            if isinstance(msg, dict):
                error = msg.get("error") or msg.get("message")
                if error or status >= 400:
                    raise BuilderError(f"{where}: {error or status}")
                messages.append(msg)
        if status >= 400:
            raise BuilderError(f"{where}: {status}")
        return messages

    def tag(self, image: str, reference: str) -> None:
        """``POST /images/{image}/tag``: give ``image`` the name ``reference`` (``repo[:tag]``)."""
        repo, _, tag = reference.rpartition(":")
        if "/" in tag or not repo:
            repo, tag = reference, "latest"
        self.json("POST", f"/images/{quote(image, safe='')}/tag?{urlencode({'repo': repo, 'tag': tag})}")

    def load(self, chunks: Iterable[bytes], timeout: float = 300.0) -> list[str]:
        """Stream an image tarball (``docker save``/OCI layout) into ``POST /images/load`` as it arrives
        (chunked upload, nothing spooled); returns the engine's ``Loaded image: …`` lines. BuilderError
        with the engine's message when it refuses the archive."""
        where = f"{self.endpoint.describe()}: POST /images/load"
        sock = dial(self.endpoint)
        try:
            sock.settimeout(timeout)
            sent: OSError | None = None
            try:
                sock.sendall(b"POST /images/load?quiet=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                             b"Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n")
                for chunk in chunks:
                    if chunk:
                        sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            except OSError as exc:  # the engine may have refused the archive and hung up: read why
                sent = exc
            try:
                status, headers, rest = _read_head(sock)
            except (OSError, ConnectionError):
                if sent is not None:
                    raise sent from None
                raise
            if sent is not None and status < 400:
                raise sent  # never report a cut upload as loaded
            body = [rest]
            while data := sock.recv(65536):
                body.append(data)
            raw = b"".join(body)
            if headers.get("transfer-encoding", "").lower() == "chunked":
                raw = _dechunk(raw)
        except (OSError, ConnectionError, ValueError) as exc:
            raise BuilderError(f"{where} failed: {exc}") from None
        finally:
            sock.close()
        return _load_messages(raw, status, where)


def local_engine(env: Mapping[str, str], what: str) -> DockerEngine:
    """The local Docker Engine (``DOCKER_HOST``, else the default socket) that ``what`` (``--load``,
    ``depot pull``) needs, checked with a ping (BuilderError naming it otherwise)."""
    host = env.get("DOCKER_HOST") or DEFAULT_DOCKER_SOCKET
    engine = DockerEngine(parse_endpoint(f"docker://{host}", source="DOCKER_HOST" if env.get("DOCKER_HOST") else "the default"))
    try:
        engine.ping()
    except BuilderError as exc:
        raise BuilderError(f"{what}: cannot reach the local Docker Engine: {exc.message}") from None
    return engine


def _load_messages(raw: bytes, status: int, where: str) -> list[str]:
    """The ``stream`` lines of a load answer (a JSON message per line); BuilderError for an error."""
    lines: list[str] = []
    for text in raw.decode(errors="replace").splitlines():
        try:
            msg = json.loads(text) if text.strip() else {}
        except ValueError:
            msg = {"error": text.strip()}
        if not isinstance(msg, dict):
            continue
        error = msg.get("error") or msg.get("message") or (msg.get("errorDetail") or {}).get("message")
        if error or status >= 400:
            raise BuilderError(f"{where}: {error or status}")
        if msg.get("stream", "").strip():
            lines.append(msg["stream"].strip())
    if status >= 400:
        raise BuilderError(f"{where}: {status}")
    return lines


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos < len(data):
        eol = data.index(b"\r\n", pos)
        size = int(data[pos:eol].split(b";")[0], 16)
        if size == 0:
            break
        out += data[eol + 2 : eol + 2 + size]
        pos = eol + 2 + size + 2
    return bytes(out)
