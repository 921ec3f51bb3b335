from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class StartLoginRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartLoginResponse(_message.Message):
    __slots__ = ("id", "approve_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    approve_url: str
    def __init__(self, id: _Optional[str] = ..., approve_url: _Optional[str] = ...) -> None: ...

class FinishLoginRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class FinishLoginResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...
