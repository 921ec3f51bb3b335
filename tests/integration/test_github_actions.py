"""The build-push and bake actions run by the real act (host mode) on the example workflows: against our
depot-server with GitHub OIDC from the local issuer, and against the real builder and registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.test_github_support import ActRun, ci_tools, make_repo, oidc_server, run_act
from integration.test_server_support import ServerProc
from oidc_issuer import OIDCIssuer
from support import Registry, unique

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tools() -> Path:
    return ci_tools()


@pytest.fixture(scope="module")
def action_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One install cache for the module: the first run installs, the others reuse it (one runner)."""
    return tmp_path_factory.mktemp("runner-tool-cache")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def issuer() -> Iterator[OIDCIssuer]:
    with OIDCIssuer() as i:
        # the issuer compares the lower-cased Authorization header with "bearer <token>": keep it lower-case
        i.actions_request_token = i.actions_request_token.lower()
        yield i


@pytest.fixture
def server(builder_env: dict[str, str], tmp_path: Path, issuer: OIDCIssuer) -> Iterator[ServerProc]:
    sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
    srv = oidc_server(tmp_path / "server", [f"amd64=docker://unix://{sock},capacity=4"], issuer.url)
    srv.admin("trust", "add", "--project", srv.project, "--github", "acme/app")
    srv.start()
    yield srv
    srv.stop()


def _builder_env(builder_env: dict[str, str], cache: Path) -> dict[str, str]:
    return {"DOCKER_HOST": builder_env["DOCKER_HOST"], "DOCKER_CONFIG": builder_env["DOCKER_CONFIG"],
            "DEPOTCI_ACTION_CACHE": str(cache)}


def _step_failed(run: ActRun, step: str) -> bool:
    return any(r.get("stepResult") == "failure" and r.get("step") == step for r in run.records)


def test_build_push_through_the_server_with_oidc(  # type: ignore[no-untyped-def]
    repo: Path, tools: Path, action_cache: Path, builder_env: dict[str, str], server: ServerProc,
    issuer: OIDCIssuer, registry: Registry, engine,
) -> None:
    image = f"{registry.host}/depotci/{unique('gh')}"
    env = _builder_env(builder_env, action_cache) | {
        "DEPOT_API_URL": server.url,
        "ACTIONS_ID_TOKEN_REQUEST_URL": issuer.actions_request_url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": issuer.actions_request_token,
    }
    run = run_act(repo, "examples/github/build-push.yml", tools, env=env, variables={"IMAGE": image})
    assert run.returncode == 0, run.raw[-4000:]
    outputs = run.outputs()
    digest, _ = registry.manifest(image.split("/", 1)[1], "build-push")
    assert outputs["digest"] == digest
    assert json.loads(outputs["metadata"])["containerimage.digest"] == digest
    assert outputs["build-id"] and outputs["project-id"] == server.project
    # `load: true`: streamed back from the server's builder (the tarball's manifest, not the pushed index)
    loaded = engine.image(f"{image}:build-push")
    assert loaded is not None and f"{image}:build-push" in loaded["RepoTags"]
    assert f"metadata digest: {digest}" in run.messages()  # the later step read `metadata`
    assert f"build id: {outputs['build-id']}" in run.messages()
    assert any("audience=https%3A%2F%2Fdepot.dev" in query for _, query, _ in issuer.requests)
    summary = "".join(run.summaries())
    assert "| Target | Status | Duration | Cached | Digest | Tags | Build |" in summary
    assert "✅ succeeded" in summary and digest in summary and f"{image}:build-push" in summary
    assert f"/builds/{outputs['build-id']}" in summary
    masked = [str(r.get("arg", "")) for r in run.commands("add-mask")]
    assert any(m.startswith("dsp_") for m in masked)  # the exchanged Depot token was masked
    assert any(m.startswith("eyJ") for m in masked)  # and the ID token
    # act records the add-mask command's argument in its JSON; everything else (what a log shows) is clean
    shown = "\n".join(json.dumps(r) for r in run.records if r.get("command") != "add-mask")
    for secret in masked:
        assert secret not in shown
    assert "dsp_" not in shown and "eyJ" not in shown


def test_bake_reports_per_target_digests(
    repo: Path, tools: Path, action_cache: Path, builder_env: dict[str, str], registry: Registry
) -> None:
    image = f"{registry.host}/depotci/{unique('ghbake')}"
    run = run_act(repo, "examples/github/bake.yml", tools, env=_builder_env(builder_env, action_cache),
                  variables={"IMAGE": image})
    assert run.returncode == 0, run.raw[-4000:]
    digests = json.loads(run.outputs()["digests"])
    repo_name = image.split("/", 1)[1]
    assert digests == {
        "app": registry.manifest(f"{repo_name}-app", "bake")[0],
        "tools": registry.manifest(f"{repo_name}-tools", "bake")[0],
    }
    assert f"app digest: {digests['app']}" in run.messages()
    summary = "".join(run.summaries())
    assert "**app**" in summary and "**tools**" in summary and digests["tools"] in summary


def _server_builds(server: ServerProc) -> list[tuple[str, int]]:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    with ConnectClient(server.url) as client:
        return [(b.id, b.status) for b in BuildAPI(client).list_builds(server.token, server.project).builds]


def test_bake_through_the_server_with_oidc(
    repo: Path, tools: Path, action_cache: Path, builder_env: dict[str, str], server: ServerProc,
    issuer: OIDCIssuer, registry: Registry,
) -> None:
    image = f"{registry.host}/depotci/{unique('ghbakeapi')}"
    env = _builder_env(builder_env, action_cache) | {
        "DEPOT_API_URL": server.url,
        "DEPOT_PROJECT_ID": server.project,  # bake needs a project (the `project` input would do too)
        "ACTIONS_ID_TOKEN_REQUEST_URL": issuer.actions_request_url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": issuer.actions_request_token,
    }
    run = run_act(repo, "examples/github/bake.yml", tools, env=env, variables={"IMAGE": image})
    assert run.returncode == 0, run.raw[-4000:]
    outputs = run.outputs()
    digests = json.loads(outputs["digests"])
    repo_name = image.split("/", 1)[1]
    assert digests == {
        "app": registry.manifest(f"{repo_name}-app", "bake")[0],
        "tools": registry.manifest(f"{repo_name}-tools", "bake")[0],
    }
    assert f"app digest: {digests['app']}" in run.messages()  # the later step read `digests`
    build_id = outputs["build-id"]
    assert [(build_id, 2)] == _server_builds(server)  # one build for the project, FINISHED
    assert outputs["project-id"] == server.project
    metadata = json.loads(outputs["metadata"])
    assert metadata["app"]["depot.build"] == {"buildID": build_id, "projectID": server.project}
    assert metadata["depot.build"]["targets"] == ["app", "tools"]
    assert "Authenticating with: GitHub OIDC" in run.messages()
    assert any("audience=https%3A%2F%2Fdepot.dev" in query for _, query, _ in issuer.requests)
    summary = "".join(run.summaries())
    assert "**app**" in summary and "**tools**" in summary and digests["tools"] in summary
    rows = [line for line in summary.splitlines() if line.startswith(("| **app**", "| **tools**"))]
    assert rows and all(f'/builds/{build_id}">{build_id}</a>' in row for row in rows)
    masked = [str(r.get("arg", "")) for r in run.commands("add-mask")]
    assert any(m.startswith("dsp_") for m in masked)  # the exchanged Depot token was masked
    shown = "\n".join(json.dumps(r) for r in run.records if r.get("command") != "add-mask")
    for secret in masked:
        assert secret not in shown
    assert "dsp_" not in shown and "eyJ" not in shown and server.token not in shown


def test_warnings_become_annotations_on_their_line(
    repo: Path, tools: Path, action_cache: Path, builder_env: dict[str, str]
) -> None:
    run = run_act(repo, "examples/github/warnings.yml", tools, env=_builder_env(builder_env, action_cache),
                  variables={})
    assert run.returncode == 0, run.raw[-3000:]
    warnings = [(w["kvPairs"].get("file"), w["kvPairs"].get("line"), w["arg"]) for w in run.commands("warning")]
    assert warnings[0] == (None, None, "input 'builder' ('my-buildx-builder') is ignored: builds run on Depot or "
                                       "on 'buildkit-host'")
    file, line, message = warnings[1]
    assert (file, line) == ("examples/github/warnings/Dockerfile", "5")
    assert message.startswith("Empty continuation line found in: COPY hello.txt")
    assert "More info: https://github.com/moby/moby/pull/33719" in message
    assert len(warnings) == 2
    assert run.commands("error") == []
    summary = "".join(run.summaries())
    assert "### Warnings" in summary
    assert "- examples/github/warnings/Dockerfile:5: Empty continuation line found in: COPY hello.txt" in summary


def test_broken_dockerfile_fails_with_an_annotation_on_its_line(
    repo: Path, tools: Path, action_cache: Path, builder_env: dict[str, str]
) -> None:
    run = run_act(repo, "examples/github/broken.yml", tools, env=_builder_env(builder_env, action_cache),
                  variables={})
    assert run.returncode != 0
    errors = run.commands("error")
    assert [(e["kvPairs"].get("file"), e["kvPairs"].get("line"), e["kvPairs"].get("title")) for e in errors] == [
        ("examples/github/broken/Dockerfile", "5", "Build failed")
    ]
    assert "missing.txt" in errors[0]["arg"]
    # a failed build writes no metadata: the warning BuildKit raised before the failure still gets its line
    warnings = [(w["kvPairs"].get("file"), w["kvPairs"].get("line")) for w in run.commands("warning")]
    assert warnings == [("examples/github/broken/Dockerfile", "4")]
    summary = "".join(run.summaries())
    assert "❌ failed" in summary and "### Errors" in summary and "missing.txt" in summary
    assert any(r.get("stepResult") == "failure" for r in run.records)
