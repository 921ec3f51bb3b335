"""Secrets on the session: ``--secret id=…,src=…|env=…`` values, read when the daemon asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from depotci.core._gen.moby.buildkit.secrets.v1 import secrets_pb2
from depotci.core.buildkit.session.rpc import (
    RpcMethodHandler,
    ServicerContext,
    StatusCode,
    unary_unary_rpc_method_handler,
)

__all__ = ["SecretsService"]


class SecretsService:
    """Serves secret values by id. Values are held as bytes and never logged."""

    def __init__(self, values: Mapping[str, bytes]) -> None:
        self._values = dict(values)

    def methods(self) -> dict[str, RpcMethodHandler]:
        return {
            "/moby.buildkit.secrets.v1.Secrets/GetSecret": unary_unary_rpc_method_handler(
                self._get,
                request_deserializer=secrets_pb2.GetSecretRequest.FromString,
                response_serializer=secrets_pb2.GetSecretResponse.SerializeToString,
            )
        }

    def _get(self, req: Any, context: ServicerContext) -> Any:
        value = self._values.get(req.ID)
        if value is None:
            context.abort(StatusCode.NOT_FOUND, f"secret {req.ID} not found")
        return secrets_pb2.GetSecretResponse(data=value)
