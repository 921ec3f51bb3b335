"""--save on the server: the pure tag/credential helpers, CreateBuild's additional tags and credentials,
GetPullInfo and GetPullToken through the Connect app, in process."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgi_transport import SyncASGI
from depotci.core._gen.depot.cli.v1 import build_pb2 as pb
from depotci.core.errors import ApiError
from depotci.server.saved_images import parse_registry, registry_credential, save_requested, saved_tags

REGISTRY = "127.0.0.1:5000"




@dataclass
class Saving:
    api: Any
    store: Any
    token: str
    project: str
    org: str


def _env(tmp_path: Path, registry: str) -> Iterator[Saving]:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient, RetryPolicy
    from depotci.server.auth import Authenticator
    from depotci.server.build_service import BuildService
    from depotci.server.certs import CA
    from depotci.server.connect_app import ConnectApp
    from depotci.server.gateway import Gateway
    from depotci.server.pool import Pool
    from depotci.server.pull_service import PullService
    from depotci.server.settings import Settings
    from depotci.server.store import Store

    settings = Settings(data_dir=str(tmp_path), registry=registry)
    store = Store(str(tmp_path / "depot.db"))
    org = store.ensure_org()
    project = store.create_project(org, "demo").id
    auth = Authenticator(store)
    ca = CA(str(tmp_path))
    service = BuildService(settings, store, auth, Pool(()), ca, Gateway(ca, "x", ["127.0.0.1"], lambda b, p: None), 1)
    app = ConnectApp({**service.methods(), **PullService(settings, store, auth).methods()})
    client = ConnectClient("http://api.test", transport=SyncASGI(app), retry=RetryPolicy(attempts=1))
    yield Saving(BuildAPI(client), store, store.create_token("org", org), project, org)
    client.close()
    store.close()


@pytest.fixture
def saving(tmp_path: Path) -> Iterator[Saving]:
    yield from _env(tmp_path, REGISTRY)


@pytest.fixture
def no_registry(tmp_path: Path) -> Iterator[Saving]:
    yield from _env(tmp_path, "")


def _opts(save: bool = True, tags: tuple[str, ...] = (), target: str = "") -> Any:
    o = pb.BuildOptions(command=pb.COMMAND_BAKE if target else pb.COMMAND_BUILD, save=save, save_tags=list(tags))
    if target:
        o.target_name = target
    return o


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([_opts()], ["r:5/p:b"]),
        ([_opts(tags=("v1", "latest"))], ["r:5/p:b", "r:5/p:v1", "r:5/p:latest"]),
        # bake: every target carries the same save tags; the server returns them once, unsuffixed
        ([_opts(tags=("v1",), target="app"), _opts(tags=("v1",), target="web")], ["r:5/p:b", "r:5/p:v1"]),
    ],
)
def test_saved_tags(options: list[Any], expected: list[str]) -> None:
    assert saved_tags("r:5", "p", "b", options) == expected


@pytest.mark.parametrize("tag", ["-x", ".x", "a b", "a/b", "x" * 129, ""])
def test_saved_tags_refuse_bad_tags(tag: str) -> None:
    with pytest.raises(ValueError, match=r"invalid save tag '.*': expected"):
        saved_tags("r", "p", "b", [_opts(tags=(tag,))])


@pytest.mark.parametrize(
    ("options", "expected"),
    [([_opts()], True), ([_opts(save=False, tags=("v1",))], False), ([], False), ([_opts(False), _opts()], True)],
)
def test_save_requested(options: list[Any], expected: bool) -> None:
    assert save_requested(options) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:5000", "127.0.0.1:5000"), ("registry.example", "registry.example"), ("", "")],
)
def test_parse_registry(value: str, expected: str) -> None:
    assert parse_registry(value) == expected


@pytest.mark.parametrize("value", ["http://r:5000", "r/x", "r:port", ":5000"])
def test_parse_registry_refuses(value: str) -> None:
    with pytest.raises(ValueError, match=f"invalid --registry '{value}': expected HOST"):
        parse_registry(value)


def test_registry_credential_is_base64_of_x_token_and_the_build_token() -> None:
    assert base64.b64decode(registry_credential("dsb_abc")).decode() == "x-token:dsb_abc"


def test_create_build_with_save_returns_tags_and_credentials(saving: Saving) -> None:
    b = saving.api.create_build(saving.token, saving.project, [_opts(tags=("v1",))])
    ref = f"{REGISTRY}/{saving.project}"
    assert [(t.tag, t.push) for t in b.additional_tags] == [(f"{ref}:{b.build_id}", True), (f"{ref}:v1", True)]
    [cred] = b.additional_credentials
    assert cred.host == REGISTRY
    assert base64.b64decode(cred.token).decode() == f"x-token:{b.build_token}"


@pytest.mark.parametrize("options", [[], [_opts(save=False, tags=("v1",))]])
def test_create_build_without_save_returns_no_tags(saving: Saving, options: list[Any]) -> None:
    b = saving.api.create_build(saving.token, saving.project, options)
    assert (list(b.additional_tags), list(b.additional_credentials)) == ([], [])


def test_save_without_a_registry_fails_with_one_clear_error(no_registry: Saving) -> None:
    with pytest.raises(ApiError, match=r"failed_precondition: this server has no registry for saved images: "
                                       r"start depot-server with --registry HOST\[:PORT\]"):
        no_registry.api.create_build(no_registry.token, no_registry.project, [_opts()])
    assert no_registry.store.list_builds(no_registry.project, 10) == []


def test_a_bad_save_tag_is_refused_before_a_build_exists(saving: Saving) -> None:
    with pytest.raises(ApiError, match=r"invalid_argument: invalid save tag 'a b'"):
        saving.api.create_build(saving.token, saving.project, [_opts(tags=("a b",))])
    assert saving.store.list_builds(saving.project, 10) == []


def test_get_pull_info_returns_reference_credentials_and_options(saving: Saving) -> None:
    sent = _opts(tags=("v1",))
    b = saving.api.create_build(saving.token, saving.project, [sent])
    info = saving.api.get_pull_info(saving.token, b.build_id)
    assert info.reference == f"{REGISTRY}/{saving.project}:{b.build_id}"
    assert (info.username, info.save_for_load, list(info.options)) == ("x-token", False, [sent])
    # the password is a pull token: it reads, it cannot create builds
    rec = saving.store.lookup_token(info.password)
    assert (rec.kind, rec.project_id, rec.build_id) == ("pull", saving.project, b.build_id)
    assert rec.expires_at is not None
    with pytest.raises(ApiError, match="permission_denied: a pull token cannot be used for this call"):
        saving.api.create_build(info.password, saving.project, [])


@pytest.mark.parametrize(
    ("build", "expected"),
    [("unsaved", r"failed_precondition: build '\w+' was not saved; build it with --save"),
     ("missing", r"not_found: build 'nope' not found")],
)
def test_get_pull_info_errors(saving: Saving, build: str, expected: str) -> None:
    build_id = saving.api.create_build(saving.token, saving.project, []).build_id if build == "unsaved" else "nope"
    with pytest.raises(ApiError, match=expected):
        saving.api.get_pull_info(saving.token, build_id)


def test_get_pull_info_needs_an_account_token_of_the_project(saving: Saving) -> None:
    b = saving.api.create_build(saving.token, saving.project, [_opts()])
    other = saving.store.create_project(saving.org, "other").id
    scoped = saving.store.create_token("project", saving.org, project_id=other)
    with pytest.raises(ApiError, match="not_found"):
        saving.api.get_pull_info(scoped, b.build_id)
    with pytest.raises(ApiError, match="permission_denied: a build token cannot be used"):
        saving.api.get_pull_info(b.build_token, b.build_id)


@pytest.mark.parametrize("by", ["project", "build", "token's project"])
def test_get_pull_token(saving: Saving, by: str) -> None:
    b = saving.api.create_build(saving.token, saving.project, [_opts()])
    token = saving.token
    if by == "token's project":
        token = saving.store.create_token("project", saving.org, project_id=saving.project)
    minted = saving.api.get_pull_token(
        token, project_id=saving.project if by == "project" else "", build_id=b.build_id if by == "build" else ""
    )
    rec = saving.store.lookup_token(minted)
    assert (rec.kind, rec.project_id) == ("pull", saving.project)


@pytest.mark.parametrize(
    ("project", "expected"),
    [("", "invalid_argument: missing project ID"), ("nope", "not_found: project 'nope' not found")],
)
def test_get_pull_token_errors(saving: Saving, project: str, expected: str) -> None:
    with pytest.raises(ApiError, match=expected):
        saving.api.get_pull_token(saving.token, project_id=project)


def test_pull_calls_without_a_registry_fail_clearly(no_registry: Saving) -> None:
    with pytest.raises(ApiError, match="failed_precondition: this server has no registry"):
        no_registry.api.get_pull_token(no_registry.token, project_id=no_registry.project)
