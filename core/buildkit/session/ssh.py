"""SSH agent forwarding on the session (``--ssh default`` or ``--ssh id=/path/to/agent.sock``).

The daemon calls ``ForwardAgent`` with the id in the ``buildkit.ssh.id`` metadata; we connect to that
agent's unix socket and pump bytes both ways.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from depotci.core._gen.moby.sshforward.v1 import ssh_pb2
from depotci.core.buildkit.session.rpc import (
    RpcMethodHandler,
    ServicerContext,
    StatusCode,
    stream_stream_rpc_method_handler,
    unary_unary_rpc_method_handler,
)

__all__ = ["SSHService"]


class SSHService:
    """Forwards to agent sockets by id."""

    def __init__(self, agents: Mapping[str, str]) -> None:
        self._agents = dict(agents)

    def methods(self) -> dict[str, RpcMethodHandler]:
        return {
            "/moby.sshforward.v1.SSH/CheckAgent": unary_unary_rpc_method_handler(
                self._check,
                request_deserializer=ssh_pb2.CheckAgentRequest.FromString,
                response_serializer=ssh_pb2.CheckAgentResponse.SerializeToString,
            ),
            "/moby.sshforward.v1.SSH/ForwardAgent": stream_stream_rpc_method_handler(
                self._forward,
                request_deserializer=ssh_pb2.BytesMessage.FromString,
                response_serializer=ssh_pb2.BytesMessage.SerializeToString,
            ),
        }

    def _check(self, req: Any, context: ServicerContext) -> Any:
        if (req.ID or "default") not in self._agents:
            context.abort(StatusCode.NOT_FOUND, f"unset ssh forward key {req.ID or 'default'}")
        return ssh_pb2.CheckAgentResponse()

    def _forward(self, requests: Iterator[Any], context: ServicerContext) -> Iterator[Any]:
        md = dict(context.invocation_metadata() or ())
        key = str(md.get("buildkit.ssh.id") or "default")
        path = self._agents.get(key)
        if path is None:
            context.abort(StatusCode.NOT_FOUND, f"unset ssh forward key {key}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as exc:
            context.abort(StatusCode.UNAVAILABLE, f"cannot connect to ssh agent {key}: {exc.strerror}")

        def upstream() -> None:
            try:
                for msg in requests:
                    sock.sendall(msg.data)
            except OSError:
                pass
            finally:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        threading.Thread(target=upstream, daemon=True).start()
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                yield ssh_pb2.BytesMessage(data=data)
        finally:
            sock.close()
