"""The session content store: ``containerd.services.content.v1.Content`` served to BuildKit.

BuildKit reads and writes a local cache directory (``--cache-to/--cache-from type=local``) through this
service on the client's session. Every call names its store in the ``buildkit-attachable-store-id``
metadata (``local:<dir>`` for a local cache); the semantics are those of containerd's ``contentserver``
over its ``content/local`` store (``oci_store.LocalStore``): Read streams 1 MiB chunks of the requested
range, Write is a locked, resumable, offset-checked stream verified at COMMIT, Update is refused as on
BuildKit's Go client (its store keeps no labels).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn

from depotci.core._gen.containerd.services.content.v1 import content_pb2 as pb
from depotci.core.buildkit.session.filesync import metadata_multi
from depotci.core.buildkit.session.oci_store import (
    BlobInfo,
    IngestStatus,
    LocalStore,
    StoreError,
    parse_digest,
)
from depotci.core.buildkit.session.rpc import (
    RpcMethodHandler,
    ServicerContext,
    StatusCode,
    stream_stream_rpc_method_handler,
    unary_unary_rpc_method_handler,
)
from google.protobuf import empty_pb2
from google.protobuf.timestamp_pb2 import Timestamp

__all__ = ["SERVICE", "STORE_ID_HEADER", "ContentStoreService"]

SERVICE = "/containerd.services.content.v1.Content/"
STORE_ID_HEADER = "buildkit-attachable-store-id"
_LIST_BLOCK = 100  # containerd's List sends Info in blocks of 100


def _unary_stream(behavior: Callable[..., Any], request_deserializer: Any, response_serializer: Any) -> RpcMethodHandler:
    return RpcMethodHandler(False, True, request_deserializer, response_serializer, None, behavior, None, None)


def _fail(context: ServicerContext, exc: StoreError) -> NoReturn:
    context.abort(exc.code, exc.message)


def _ts(ns: int) -> Timestamp:
    return Timestamp(seconds=ns // 1_000_000_000, nanos=ns % 1_000_000_000)


def _info(info: BlobInfo) -> Any:
    return pb.Info(digest=info.digest, size=info.size, created_at=_ts(info.created_ns), updated_at=_ts(info.updated_ns))


def _status(st: IngestStatus) -> Any:
    return pb.Status(
        started_at=_ts(st.started_ns),
        updated_at=_ts(st.updated_ns),
        ref=st.ref,
        offset=st.offset,
        total=st.total,
        expected=st.expected,
    )


class ContentStoreService:
    """Serves ``stores`` (store id → LocalStore) as the session's content store."""

    def __init__(self, stores: Mapping[str, LocalStore]) -> None:
        self.stores = dict(stores)

    def methods(self) -> dict[str, RpcMethodHandler]:
        def unary(fn: Callable[..., Any], req: Any, resp: Any) -> RpcMethodHandler:
            return unary_unary_rpc_method_handler(fn, request_deserializer=req.FromString, response_serializer=resp.SerializeToString)

        empty = empty_pb2.Empty
        return {
            SERVICE + "Info": unary(self._info, pb.InfoRequest, pb.InfoResponse),
            SERVICE + "Update": unary(self._update, pb.UpdateRequest, pb.UpdateResponse),
            SERVICE + "List": _unary_stream(self._list, pb.ListContentRequest.FromString, pb.ListContentResponse.SerializeToString),
            SERVICE + "Delete": unary(self._delete, pb.DeleteContentRequest, empty),
            SERVICE + "Read": _unary_stream(self._read, pb.ReadContentRequest.FromString, pb.ReadContentResponse.SerializeToString),
            SERVICE + "Status": unary(self._status, pb.StatusRequest, pb.StatusResponse),
            SERVICE + "ListStatuses": unary(self._list_statuses, pb.ListStatusesRequest, pb.ListStatusesResponse),
            SERVICE + "Write": stream_stream_rpc_method_handler(
                self._write,
                request_deserializer=pb.WriteContentRequest.FromString,
                response_serializer=pb.WriteContentResponse.SerializeToString,
            ),
            SERVICE + "Abort": unary(self._abort, pb.AbortRequest, empty),
        }

    def _choose(self, context: ServicerContext) -> LocalStore:
        ids = metadata_multi(context).get(STORE_ID_HEADER)
        if not ids:
            context.abort(StatusCode.INVALID_ARGUMENT, f'request lacks metadata "{STORE_ID_HEADER}"')
        store = self.stores.get(ids[0])
        if store is None:
            context.abort(StatusCode.NOT_FOUND, f"unknown store {ids[0]}")
        return store

    def _info(self, req: Any, context: ServicerContext) -> Any:
        store = self._choose(context)
        try:
            return pb.InfoResponse(info=_info(store.info(req.digest)))
        except StoreError as exc:
            _fail(context, exc)

    def _update(self, req: Any, context: ServicerContext) -> Any:
        store = self._choose(context)
        try:
            store.info(req.info.digest)
        except StoreError as exc:
            _fail(context, exc)
        context.abort(StatusCode.FAILED_PRECONDITION, "update not supported on immutable content store: failed precondition")

    def _list(self, req: Any, context: ServicerContext) -> Iterator[Any]:
        store = self._choose(context)
        if req.filters:
            context.abort(StatusCode.INVALID_ARGUMENT, "content filters are not supported by the client's store")
        return self._list_blocks(store)

    def _list_blocks(self, store: LocalStore) -> Iterator[Any]:
        block: list[Any] = []
        for info in store.walk():
            block.append(_info(info))
            if len(block) >= _LIST_BLOCK:
                yield pb.ListContentResponse(info=block)
                block = []
        if block:
            yield pb.ListContentResponse(info=block)

    def _delete(self, req: Any, context: ServicerContext) -> Any:
        store = self._choose(context)
        try:
            store.delete(req.digest)
        except StoreError as exc:
            _fail(context, exc)
        return empty_pb2.Empty()

    def _read(self, req: Any, context: ServicerContext) -> Iterator[Any]:
        store = self._choose(context)
        try:
            chunks = store.read(req.digest, req.offset, req.size)
        except StoreError as exc:
            _fail(context, exc)
        return (pb.ReadContentResponse(offset=off, data=data) for off, data in chunks)

    def _status(self, req: Any, context: ServicerContext) -> Any:
        store = self._choose(context)
        try:
            return pb.StatusResponse(status=_status(store.status(req.ref)))
        except StoreError as exc:
            context.abort(exc.code, f"could not get status for ref {req.ref!r}: {exc.message}")

    def _list_statuses(self, req: Any, context: ServicerContext) -> Any:
        store = self._choose(context)
        if req.filters:
            context.abort(StatusCode.INVALID_ARGUMENT, "status filters are not supported by the client's store")
        return pb.ListStatusesResponse(statuses=[_status(s) for s in store.statuses()])

    def _abort(self, req: Any, context: ServicerContext) -> Any:
        store = self._choose(context)
        try:
            store.abort(req.ref)
        except StoreError as exc:
            _fail(context, exc)
        return empty_pb2.Empty()

    def _write(self, requests: Iterator[Any], context: ServicerContext) -> Iterator[Any]:
        store = self._choose(context)
        req = next(requests, None)
        if req is None:
            return
        if not req.ref:
            context.abort(StatusCode.INVALID_ARGUMENT, "first message must have a reference")
        ref, total, expected = req.ref, req.total, req.expected
        try:
            if expected:
                parse_digest(expected)
            writer = store.writer(ref, total, expected)
        except StoreError as exc:
            _fail(context, exc)
        try:
            while True:
                resp = pb.WriteContentResponse(action=req.action, offset=writer.offset)
                if req.expected:
                    expected = req.expected
                    if store.exists(expected):
                        writer.close()
                        try:
                            store.abort(ref)
                        except StoreError:
                            pass
                        context.abort(StatusCode.ALREADY_EXISTS, f"blob with expected digest {expected} exists")
                if req.total > 0:
                    total = req.total
                if req.action == pb.STAT:
                    resp.digest = writer.digest()
                    resp.started_at.CopyFrom(_ts(writer.started_ns))
                    resp.updated_at.CopyFrom(_ts(writer.updated_ns))
                    resp.total = total
                elif req.action in (pb.WRITE, pb.COMMIT):
                    if req.offset > 0 and req.offset != writer.offset:
                        context.abort(
                            StatusCode.OUT_OF_RANGE, f"write @{req.offset} must occur at current offset {writer.offset}"
                        )
                    if req.offset == 0 and writer.offset > 0:
                        writer.truncate()
                        resp.offset = 0
                    if req.data:
                        writer.write(req.data)
                        resp.offset += len(req.data)
                    if req.action == pb.COMMIT:
                        writer.commit(total, expected)
                    resp.digest = writer.digest()
                else:
                    context.abort(StatusCode.INVALID_ARGUMENT, f"unknown write action {req.action}")
                yield resp
                if req.action == pb.COMMIT:
                    return
                req = next(requests, None)
                if req is None:
                    return
        except StoreError as exc:
            _fail(context, exc)
        finally:
            writer.close()
