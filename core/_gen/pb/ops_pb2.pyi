from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Platform(_message.Message):
    __slots__ = ("Architecture", "OS", "Variant", "OSVersion", "OSFeatures")
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    OSVERSION_FIELD_NUMBER: _ClassVar[int]
    OSFEATURES_FIELD_NUMBER: _ClassVar[int]
    Architecture: str
    OS: str
    Variant: str
    OSVersion: str
    OSFeatures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, Architecture: _Optional[str] = ..., OS: _Optional[str] = ..., Variant: _Optional[str] = ..., OSVersion: _Optional[str] = ..., OSFeatures: _Optional[_Iterable[str]] = ...) -> None: ...

class Definition(_message.Message):
    __slots__ = ("metadata", "Source")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: OpMetadata
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[OpMetadata, _Mapping]] = ...) -> None: ...
    DEF_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    metadata: _containers.MessageMap[str, OpMetadata]
    Source: Source
    def __init__(self, metadata: _Optional[_Mapping[str, OpMetadata]] = ..., Source: _Optional[_Union[Source, _Mapping]] = ..., **kwargs) -> None: ...

class OpMetadata(_message.Message):
    __slots__ = ("ignore_cache", "description", "export_cache", "caps", "progress_group")
    class DescriptionEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class CapsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    IGNORE_CACHE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPORT_CACHE_FIELD_NUMBER: _ClassVar[int]
    CAPS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_GROUP_FIELD_NUMBER: _ClassVar[int]
    ignore_cache: bool
    description: _containers.ScalarMap[str, str]
    export_cache: ExportCache
    caps: _containers.ScalarMap[str, bool]
    progress_group: ProgressGroup
    def __init__(self, ignore_cache: _Optional[bool] = ..., description: _Optional[_Mapping[str, str]] = ..., export_cache: _Optional[_Union[ExportCache, _Mapping]] = ..., caps: _Optional[_Mapping[str, bool]] = ..., progress_group: _Optional[_Union[ProgressGroup, _Mapping]] = ...) -> None: ...

class ExportCache(_message.Message):
    __slots__ = ("Value",)
    VALUE_FIELD_NUMBER: _ClassVar[int]
    Value: bool
    def __init__(self, Value: _Optional[bool] = ...) -> None: ...

class ProgressGroup(_message.Message):
    __slots__ = ("id", "name", "weak")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEAK_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    weak: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., weak: _Optional[bool] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("locations", "infos")
    class LocationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Locations
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Locations, _Mapping]] = ...) -> None: ...
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    INFOS_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.MessageMap[str, Locations]
    infos: _containers.RepeatedCompositeFieldContainer[SourceInfo]
    def __init__(self, locations: _Optional[_Mapping[str, Locations]] = ..., infos: _Optional[_Iterable[_Union[SourceInfo, _Mapping]]] = ...) -> None: ...

class Locations(_message.Message):
    __slots__ = ("locations",)
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    def __init__(self, locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ...) -> None: ...

class SourceInfo(_message.Message):
    __slots__ = ("filename", "data", "definition", "language")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    filename: str
    data: bytes
    definition: Definition
    language: str
    def __init__(self, filename: _Optional[str] = ..., data: _Optional[bytes] = ..., definition: _Optional[_Union[Definition, _Mapping]] = ..., language: _Optional[str] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("sourceIndex", "ranges")
    SOURCEINDEX_FIELD_NUMBER: _ClassVar[int]
    RANGES_FIELD_NUMBER: _ClassVar[int]
    sourceIndex: int
    ranges: _containers.RepeatedCompositeFieldContainer[Range]
    def __init__(self, sourceIndex: _Optional[int] = ..., ranges: _Optional[_Iterable[_Union[Range, _Mapping]]] = ...) -> None: ...

class Range(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: Position
    end: Position
    def __init__(self, start: _Optional[_Union[Position, _Mapping]] = ..., end: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class Position(_message.Message):
    __slots__ = ("line", "character")
    LINE_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_FIELD_NUMBER: _ClassVar[int]
    line: int
    character: int
    def __init__(self, line: _Optional[int] = ..., character: _Optional[int] = ...) -> None: ...
