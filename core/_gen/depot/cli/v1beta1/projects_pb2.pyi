from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListProjectsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects",)
    class Project(_message.Message):
        __slots__ = ("id", "name", "org_id", "org_name")
        ID_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        ORG_ID_FIELD_NUMBER: _ClassVar[int]
        ORG_NAME_FIELD_NUMBER: _ClassVar[int]
        id: str
        name: str
        org_id: str
        org_name: str
        def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., org_id: _Optional[str] = ..., org_name: _Optional[str] = ...) -> None: ...
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[ListProjectsResponse.Project]
    def __init__(self, projects: _Optional[_Iterable[_Union[ListProjectsResponse.Project, _Mapping]]] = ...) -> None: ...

class ResetProjectCacheRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ResetProjectCacheResponse(_message.Message):
    __slots__ = ("name", "org_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORG_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    org_name: str
    def __init__(self, name: _Optional[str] = ..., org_name: _Optional[str] = ...) -> None: ...
