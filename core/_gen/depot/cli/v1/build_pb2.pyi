import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from depotci.core._gen.moby.buildkit.v1 import control_pb2 as _control_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Command(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMAND_UNSPECIFIED: _ClassVar[Command]
    COMMAND_BUILD: _ClassVar[Command]
    COMMAND_BAKE: _ClassVar[Command]
    COMMAND_BUILDX: _ClassVar[Command]
    COMMAND_DAGGER: _ClassVar[Command]
    COMMAND_EXEC: _ClassVar[Command]
    COMMAND_FLYCTL: _ClassVar[Command]

class BuilderPlatform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BUILDER_PLATFORM_UNSPECIFIED: _ClassVar[BuilderPlatform]
    BUILDER_PLATFORM_AMD64: _ClassVar[BuilderPlatform]
    BUILDER_PLATFORM_ARM64: _ClassVar[BuilderPlatform]

class BuildStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BUILD_STATUS_UNSPECIFIED: _ClassVar[BuildStatus]
    BUILD_STATUS_RUNNING: _ClassVar[BuildStatus]
    BUILD_STATUS_FINISHED: _ClassVar[BuildStatus]
    BUILD_STATUS_FAILED: _ClassVar[BuildStatus]
    BUILD_STATUS_CANCELED: _ClassVar[BuildStatus]
COMMAND_UNSPECIFIED: Command
COMMAND_BUILD: Command
COMMAND_BAKE: Command
COMMAND_BUILDX: Command
COMMAND_DAGGER: Command
COMMAND_EXEC: Command
COMMAND_FLYCTL: Command
BUILDER_PLATFORM_UNSPECIFIED: BuilderPlatform
BUILDER_PLATFORM_AMD64: BuilderPlatform
BUILDER_PLATFORM_ARM64: BuilderPlatform
BUILD_STATUS_UNSPECIFIED: BuildStatus
BUILD_STATUS_RUNNING: BuildStatus
BUILD_STATUS_FINISHED: BuildStatus
BUILD_STATUS_FAILED: BuildStatus
BUILD_STATUS_CANCELED: BuildStatus

class CreateBuildRequest(_message.Message):
    __slots__ = ("project_id", "options", "required_engine")
    class RequiredEngine(_message.Message):
        __slots__ = ("buildkit", "dagger")
        class BuildKitEngine(_message.Message):
            __slots__ = ()
            def __init__(self) -> None: ...
        class DaggerEngine(_message.Message):
            __slots__ = ("version",)
            VERSION_FIELD_NUMBER: _ClassVar[int]
            version: str
            def __init__(self, version: _Optional[str] = ...) -> None: ...
        BUILDKIT_FIELD_NUMBER: _ClassVar[int]
        DAGGER_FIELD_NUMBER: _ClassVar[int]
        buildkit: CreateBuildRequest.RequiredEngine.BuildKitEngine
        dagger: CreateBuildRequest.RequiredEngine.DaggerEngine
        def __init__(self, buildkit: _Optional[_Union[CreateBuildRequest.RequiredEngine.BuildKitEngine, _Mapping]] = ..., dagger: _Optional[_Union[CreateBuildRequest.RequiredEngine.DaggerEngine, _Mapping]] = ...) -> None: ...
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ENGINE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    options: _containers.RepeatedCompositeFieldContainer[BuildOptions]
    required_engine: CreateBuildRequest.RequiredEngine
    def __init__(self, project_id: _Optional[str] = ..., options: _Optional[_Iterable[_Union[BuildOptions, _Mapping]]] = ..., required_engine: _Optional[_Union[CreateBuildRequest.RequiredEngine, _Mapping]] = ...) -> None: ...

class BuildOptions(_message.Message):
    __slots__ = ("command", "tags", "outputs", "push", "load", "target_name", "lint", "save", "save_tags")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    PUSH_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    TARGET_NAME_FIELD_NUMBER: _ClassVar[int]
    LINT_FIELD_NUMBER: _ClassVar[int]
    SAVE_FIELD_NUMBER: _ClassVar[int]
    SAVE_TAGS_FIELD_NUMBER: _ClassVar[int]
    command: Command
    tags: _containers.RepeatedScalarFieldContainer[str]
    outputs: _containers.RepeatedCompositeFieldContainer[BuildOutput]
    push: bool
    load: bool
    target_name: str
    lint: bool
    save: bool
    save_tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, command: _Optional[_Union[Command, str]] = ..., tags: _Optional[_Iterable[str]] = ..., outputs: _Optional[_Iterable[_Union[BuildOutput, _Mapping]]] = ..., push: _Optional[bool] = ..., load: _Optional[bool] = ..., target_name: _Optional[str] = ..., lint: _Optional[bool] = ..., save: _Optional[bool] = ..., save_tags: _Optional[_Iterable[str]] = ...) -> None: ...

class BuildOutput(_message.Message):
    __slots__ = ("kind", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KIND_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    kind: str
    attributes: _containers.ScalarMap[str, str]
    def __init__(self, kind: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Registry(_message.Message):
    __slots__ = ("can_use_local_registry", "proxy_image", "load_using_registry")
    CAN_USE_LOCAL_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    PROXY_IMAGE_FIELD_NUMBER: _ClassVar[int]
    LOAD_USING_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    can_use_local_registry: bool
    proxy_image: str
    load_using_registry: bool
    def __init__(self, can_use_local_registry: _Optional[bool] = ..., proxy_image: _Optional[str] = ..., load_using_registry: _Optional[bool] = ...) -> None: ...

class CreateBuildResponse(_message.Message):
    __slots__ = ("build_id", "build_token", "registry", "profiler", "build_url", "project_id", "additional_credentials", "additional_tags")
    class Profiler(_message.Message):
        __slots__ = ("token",)
        TOKEN_FIELD_NUMBER: _ClassVar[int]
        token: str
        def __init__(self, token: _Optional[str] = ...) -> None: ...
    class Credential(_message.Message):
        __slots__ = ("host", "token")
        HOST_FIELD_NUMBER: _ClassVar[int]
        TOKEN_FIELD_NUMBER: _ClassVar[int]
        host: str
        token: str
        def __init__(self, host: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...
    class Tag(_message.Message):
        __slots__ = ("tag", "push")
        TAG_FIELD_NUMBER: _ClassVar[int]
        PUSH_FIELD_NUMBER: _ClassVar[int]
        tag: str
        push: bool
        def __init__(self, tag: _Optional[str] = ..., push: _Optional[bool] = ...) -> None: ...
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILD_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_FIELD_NUMBER: _ClassVar[int]
    PROFILER_FIELD_NUMBER: _ClassVar[int]
    BUILD_URL_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_TAGS_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    build_token: str
    registry: Registry
    profiler: CreateBuildResponse.Profiler
    build_url: str
    project_id: str
    additional_credentials: _containers.RepeatedCompositeFieldContainer[CreateBuildResponse.Credential]
    additional_tags: _containers.RepeatedCompositeFieldContainer[CreateBuildResponse.Tag]
    def __init__(self, build_id: _Optional[str] = ..., build_token: _Optional[str] = ..., registry: _Optional[_Union[Registry, _Mapping]] = ..., profiler: _Optional[_Union[CreateBuildResponse.Profiler, _Mapping]] = ..., build_url: _Optional[str] = ..., project_id: _Optional[str] = ..., additional_credentials: _Optional[_Iterable[_Union[CreateBuildResponse.Credential, _Mapping]]] = ..., additional_tags: _Optional[_Iterable[_Union[CreateBuildResponse.Tag, _Mapping]]] = ...) -> None: ...

class GetBuildRequest(_message.Message):
    __slots__ = ("build_id",)
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    def __init__(self, build_id: _Optional[str] = ...) -> None: ...

class GetBuildResponse(_message.Message):
    __slots__ = ("build_id", "project_id", "build_url")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    BUILD_URL_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    project_id: str
    build_url: str
    def __init__(self, build_id: _Optional[str] = ..., project_id: _Optional[str] = ..., build_url: _Optional[str] = ...) -> None: ...

class FinishBuildRequest(_message.Message):
    __slots__ = ("build_id", "success", "error", "canceled")
    class BuildSuccess(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class BuildError(_message.Message):
        __slots__ = ("error",)
        ERROR_FIELD_NUMBER: _ClassVar[int]
        error: str
        def __init__(self, error: _Optional[str] = ...) -> None: ...
    class BuildCanceled(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CANCELED_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    success: FinishBuildRequest.BuildSuccess
    error: FinishBuildRequest.BuildError
    canceled: FinishBuildRequest.BuildCanceled
    def __init__(self, build_id: _Optional[str] = ..., success: _Optional[_Union[FinishBuildRequest.BuildSuccess, _Mapping]] = ..., error: _Optional[_Union[FinishBuildRequest.BuildError, _Mapping]] = ..., canceled: _Optional[_Union[FinishBuildRequest.BuildCanceled, _Mapping]] = ...) -> None: ...

class FinishBuildResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetBuildKitConnectionRequest(_message.Message):
    __slots__ = ("build_id", "platform", "required_engine")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ENGINE_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    platform: BuilderPlatform
    required_engine: CreateBuildRequest.RequiredEngine
    def __init__(self, build_id: _Optional[str] = ..., platform: _Optional[_Union[BuilderPlatform, str]] = ..., required_engine: _Optional[_Union[CreateBuildRequest.RequiredEngine, _Mapping]] = ...) -> None: ...

class Cert(_message.Message):
    __slots__ = ("cert", "key")
    CERT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    cert: str
    key: str
    def __init__(self, cert: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class GetBuildKitConnectionResponse(_message.Message):
    __slots__ = ("pending", "active")
    class PendingConnection(_message.Message):
        __slots__ = ("wait_ms",)
        WAIT_MS_FIELD_NUMBER: _ClassVar[int]
        wait_ms: int
        def __init__(self, wait_ms: _Optional[int] = ...) -> None: ...
    class ActiveConnection(_message.Message):
        __slots__ = ("endpoint", "server_name", "cert", "ca_cert", "identity", "gzip")
        class Identity(_message.Message):
            __slots__ = ()
            def __init__(self) -> None: ...
        class Gzip(_message.Message):
            __slots__ = ()
            def __init__(self) -> None: ...
        ENDPOINT_FIELD_NUMBER: _ClassVar[int]
        SERVER_NAME_FIELD_NUMBER: _ClassVar[int]
        CERT_FIELD_NUMBER: _ClassVar[int]
        CA_CERT_FIELD_NUMBER: _ClassVar[int]
        IDENTITY_FIELD_NUMBER: _ClassVar[int]
        GZIP_FIELD_NUMBER: _ClassVar[int]
        endpoint: str
        server_name: str
        cert: Cert
        ca_cert: Cert
        identity: GetBuildKitConnectionResponse.ActiveConnection.Identity
        gzip: GetBuildKitConnectionResponse.ActiveConnection.Gzip
        def __init__(self, endpoint: _Optional[str] = ..., server_name: _Optional[str] = ..., cert: _Optional[_Union[Cert, _Mapping]] = ..., ca_cert: _Optional[_Union[Cert, _Mapping]] = ..., identity: _Optional[_Union[GetBuildKitConnectionResponse.ActiveConnection.Identity, _Mapping]] = ..., gzip: _Optional[_Union[GetBuildKitConnectionResponse.ActiveConnection.Gzip, _Mapping]] = ...) -> None: ...
    PENDING_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    pending: GetBuildKitConnectionResponse.PendingConnection
    active: GetBuildKitConnectionResponse.ActiveConnection
    def __init__(self, pending: _Optional[_Union[GetBuildKitConnectionResponse.PendingConnection, _Mapping]] = ..., active: _Optional[_Union[GetBuildKitConnectionResponse.ActiveConnection, _Mapping]] = ...) -> None: ...

class ReportBuildHealthRequest(_message.Message):
    __slots__ = ("build_id", "platform")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    platform: BuilderPlatform
    def __init__(self, build_id: _Optional[str] = ..., platform: _Optional[_Union[BuilderPlatform, str]] = ...) -> None: ...

class ReportBuildHealthResponse(_message.Message):
    __slots__ = ("cancels_at",)
    CANCELS_AT_FIELD_NUMBER: _ClassVar[int]
    cancels_at: _timestamp_pb2.Timestamp
    def __init__(self, cancels_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BuildStep(_message.Message):
    __slots__ = ("start_time", "duration_ms", "name", "error", "stable_digest", "cached", "input_digests", "ancestor_digests")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STABLE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    CACHED_FIELD_NUMBER: _ClassVar[int]
    INPUT_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    ANCESTOR_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    duration_ms: int
    name: str
    error: str
    stable_digest: str
    cached: bool
    input_digests: _containers.RepeatedScalarFieldContainer[str]
    ancestor_digests: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_ms: _Optional[int] = ..., name: _Optional[str] = ..., error: _Optional[str] = ..., stable_digest: _Optional[str] = ..., cached: _Optional[bool] = ..., input_digests: _Optional[_Iterable[str]] = ..., ancestor_digests: _Optional[_Iterable[str]] = ...) -> None: ...

class ReportTimingsRequest(_message.Message):
    __slots__ = ("build_id", "build_steps")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    BUILD_STEPS_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    build_steps: _containers.RepeatedCompositeFieldContainer[BuildStep]
    def __init__(self, build_id: _Optional[str] = ..., build_steps: _Optional[_Iterable[_Union[BuildStep, _Mapping]]] = ...) -> None: ...

class ReportTimingsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReportStatusRequest(_message.Message):
    __slots__ = ("build_id", "statuses", "stable_digests")
    class StableDigestsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    STABLE_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    statuses: _containers.RepeatedCompositeFieldContainer[_control_pb2.StatusResponse]
    stable_digests: _containers.ScalarMap[str, str]
    def __init__(self, build_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_control_pb2.StatusResponse, _Mapping]]] = ..., stable_digests: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ReportStatusResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReportStatusStreamRequest(_message.Message):
    __slots__ = ("build_id", "statuses", "stable_digests")
    class StableDigestsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    STABLE_DIGESTS_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    statuses: _containers.RepeatedCompositeFieldContainer[_control_pb2.StatusResponse]
    stable_digests: _containers.ScalarMap[str, str]
    def __init__(self, build_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_control_pb2.StatusResponse, _Mapping]]] = ..., stable_digests: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ReportStatusStreamResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Dockerfile(_message.Message):
    __slots__ = ("target", "filename", "contents")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENTS_FIELD_NUMBER: _ClassVar[int]
    target: str
    filename: str
    contents: str
    def __init__(self, target: _Optional[str] = ..., filename: _Optional[str] = ..., contents: _Optional[str] = ...) -> None: ...

class ReportBuildContextRequest(_message.Message):
    __slots__ = ("build_id", "dockerfiles")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    DOCKERFILES_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    dockerfiles: _containers.RepeatedCompositeFieldContainer[Dockerfile]
    def __init__(self, build_id: _Optional[str] = ..., dockerfiles: _Optional[_Iterable[_Union[Dockerfile, _Mapping]]] = ...) -> None: ...

class ReportBuildContextResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBuildsRequest(_message.Message):
    __slots__ = ("project_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Build(_message.Message):
    __slots__ = ("id", "status", "created_at", "finished_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: BuildStatus
    created_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[BuildStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListBuildsResponse(_message.Message):
    __slots__ = ("builds", "next_page_token")
    BUILDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    builds: _containers.RepeatedCompositeFieldContainer[Build]
    next_page_token: str
    def __init__(self, builds: _Optional[_Iterable[_Union[Build, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPullInfoRequest(_message.Message):
    __slots__ = ("build_id",)
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    def __init__(self, build_id: _Optional[str] = ...) -> None: ...

class GetPullInfoResponse(_message.Message):
    __slots__ = ("reference", "username", "password", "options", "save_for_load")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SAVE_FOR_LOAD_FIELD_NUMBER: _ClassVar[int]
    reference: str
    username: str
    password: str
    options: _containers.RepeatedCompositeFieldContainer[BuildOptions]
    save_for_load: bool
    def __init__(self, reference: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ..., options: _Optional[_Iterable[_Union[BuildOptions, _Mapping]]] = ..., save_for_load: _Optional[bool] = ...) -> None: ...

class GetPullTokenRequest(_message.Message):
    __slots__ = ("project_id", "build_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    build_id: str
    def __init__(self, project_id: _Optional[str] = ..., build_id: _Optional[str] = ...) -> None: ...

class GetPullTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...
