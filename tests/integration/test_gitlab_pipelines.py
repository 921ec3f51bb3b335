"""The GitLab components under the real gitlab-ci-local (shell executor), running the ``examples/gitlab/``
pipelines against our depot-server and the real builder: OIDC ID token → build through the API → push to
the local registry → a later job reads the digest from the dotenv report; a broken Dockerfile → a failed
job and a code-quality entry at its path and line; a missing required input → the pipeline is refused;
bake → per-target digests, on the builder and through the server with the ID token."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.test_gitlab_support import OIDCServer, Tools, install_tools, make_project, run_pipeline
from oidc_issuer import OIDCIssuer
from support import Registry, depot_env, unique

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tools() -> Tools:
    return install_tools()


@pytest.fixture
def issuer() -> Iterator[OIDCIssuer]:
    with OIDCIssuer() as iss:
        yield iss


@pytest.fixture
def server(builder_env: dict[str, str], tmp_path: Path, issuer: OIDCIssuer) -> Iterator[OIDCServer]:
    sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
    srv = OIDCServer(tmp_path / "server", [f"amd64=docker://unix://{sock},capacity=8"], issuer.url)
    srv.trust_gitlab("acme/app")
    srv.start()
    yield srv
    srv.stop()


def _api_variables(server: OIDCServer, jwt: str) -> dict[str, str]:
    """What a GitLab project using our server sets: the API URL and project as CI/CD variables, and (what
    GitLab mints for the job's ``id_tokens``) the ID token."""
    return {"DEPOT_API_URL": server.url, "DEPOT_PROJECT_ID": server.project, "DEPOT_OIDC_TOKEN": jwt}


def _echoed(log: str, name: str) -> str:
    m = re.search(rf"{name}=(sha256:[0-9a-f]{{64}})", log)
    assert m, log[-3000:]
    return m.group(1)


def test_build_with_an_oidc_token_pushes_and_a_later_job_reads_the_digest(
    tools: Tools, server: OIDCServer, issuer: OIDCIssuer, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    repo = f"depotci/{unique('gl')}"
    jwt = issuer.issue(issuer.gitlab_claims("acme/app"))
    project = make_project("build", tmp_path / "app")
    variables = {**_api_variables(server, jwt), "CI_REGISTRY_IMAGE": f"{registry.host}/{repo}"}
    result = run_pipeline(tools, project, depot_env(builder_env), variables)

    assert result.returncode == 0, result.output[-4000:]
    build_log, verify_log = result.job_log("depot-build"), result.job_log("verify-digest")
    short_sha = subprocess.run(["git", "rev-parse", "--short=8", "HEAD"], cwd=project, capture_output=True,
                               text=True, check=True).stdout.strip()
    pushed, _ = registry.manifest(repo, short_sha)  # the example tags $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA
    assert _echoed(verify_log, "digest") == pushed
    env_file = result.artifact("depot-build", ".depotci/depot-build/build.env").read_text()
    values = dict(line.split("=", 1) for line in env_file.splitlines())
    assert values["DEPOTCI_DIGEST"] == pushed
    assert values["DEPOTCI_IMAGE_REF"] == f"{registry.host}/{repo}@{pushed}"
    assert values["DEPOTCI_PROJECT_ID"] == server.project
    assert values["DEPOTCI_BUILD_ID"] and values["DEPOTCI_BUILD_URL"].startswith("http://127.0.0.1")
    metadata = result.artifact_json("depot-build", ".depotci/depot-build/metadata.json")
    assert metadata["containerimage.digest"] == pushed
    assert metadata["depot.build"]["buildID"] == values["DEPOTCI_BUILD_ID"]
    links = result.artifact_json("depot-build", ".depotci/depot-build/annotations.json")["depot"]
    assert links[0]["external_link"]["url"] == values["DEPOTCI_BUILD_URL"]
    assert result.artifact_json("depot-build", ".depotci/depot-build/gl-code-quality-report.json") == []
    assert "auth: the GitLab ID token DEPOT_OIDC_TOKEN (iss=" in build_log
    assert "section_start" not in build_log or "depotci_build" in build_log
    assert "oidc: " in server.log() and "accepted" in server.log()
    for text in (result.output, build_log, server.log()):
        assert jwt not in text and server.token not in text


def test_a_broken_dockerfile_fails_the_job_with_a_code_quality_entry(
    tools: Tools, server: OIDCServer, issuer: OIDCIssuer, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    project = make_project("broken", tmp_path / "app")
    variables = {**_api_variables(server, issuer.issue(issuer.gitlab_claims("acme/app"))),
                 "CI_REGISTRY_IMAGE": f"{registry.host}/depotci/{unique('broken')}"}
    result = run_pipeline(tools, project, depot_env(builder_env), variables)

    assert result.returncode != 0
    assert re.search(r"FAIL\s+depot-build", result.output), result.output[-3000:]
    assert "not reached" not in result.output  # the job that needs the build did not run
    log = result.job_log("depot-build")
    assert "ERROR:" in log and "Dockerfile:3:" in log and "missing-file.txt" in log
    report = result.artifact_json("depot-build", ".depotci/depot-build/gl-code-quality-report.json")
    assert len(report) == 1
    entry = report[0]
    assert entry["location"] == {"path": "Dockerfile", "lines": {"begin": 3}}
    assert entry["severity"] == "critical" and entry["check_name"] == "build-failed"
    assert "missing-file.txt" in entry["description"] and len(entry["fingerprint"]) == 64


def test_a_missing_required_input_is_rejected(tools: Tools, builder_env: dict[str, str], tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[2] / "examples" / "gitlab" / "build" / ".gitlab-ci.yml").read_text()
    without_context = example.replace("      context: .\n", "")
    assert without_context != example
    project = make_project("build", tmp_path / "app", edit={".gitlab-ci.yml": without_context})
    result = run_pipeline(tools, project, depot_env(builder_env), {})

    assert result.returncode != 0
    assert "`context` input: required value has not been provided" in result.output, result.output[-3000:]
    assert not (project / ".gitlab-ci-local" / "output" / "depot-build.log").exists()


def test_bake_builds_every_target_and_a_later_job_reads_their_digests(
    tools: Tools, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    prefix = f"depotci/{unique('glbake')}"
    # the empty continuation line is a BuildKit warning: a code-quality entry on tools.Dockerfile, not a failure
    warned = "FROM scratch\nCOPY tools.txt \\\n\n  /tools.txt\n"
    project = make_project("bake", tmp_path / "app", edit={"tools.Dockerfile": warned})
    result = run_pipeline(tools, project, depot_env(builder_env), {"CI_REGISTRY_IMAGE": f"{registry.host}/{prefix}"})

    assert result.returncode == 0, result.output[-4000:]
    verify = result.job_log("verify-digests")
    for target in ("app", "tools"):
        pushed, _ = registry.manifest(f"{prefix}/{target}", "latest")
        assert _echoed(verify, target) == pushed
    metadata = result.artifact_json("depot-bake", ".depotci/depot-bake/metadata.json")
    assert sorted(metadata) == ["app", "buildx.build.warnings", "tools"]
    [entry] = result.artifact_json("depot-bake", ".depotci/depot-bake/gl-code-quality-report.json")
    assert entry["location"] == {"path": "tools.Dockerfile", "lines": {"begin": 4}}
    assert entry["severity"] == "minor" and entry["description"].startswith("Empty continuation line found in")


def test_bake_with_an_oidc_token_builds_through_the_server_and_a_later_job_reads_the_digests(
    tools: Tools, server: OIDCServer, issuer: OIDCIssuer, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    prefix = f"depotci/{unique('glbakeapi')}"
    jwt = issuer.issue(issuer.gitlab_claims("acme/app"))
    project = make_project("bake", tmp_path / "app")
    variables = {**_api_variables(server, jwt), "CI_REGISTRY_IMAGE": f"{registry.host}/{prefix}"}
    result = run_pipeline(tools, project, depot_env(builder_env), variables)

    assert result.returncode == 0, result.output[-4000:]
    verify = result.job_log("verify-digests")
    for target in ("app", "tools"):
        pushed, _ = registry.manifest(f"{prefix}/{target}", "latest")
        assert _echoed(verify, target) == pushed
    metadata = result.artifact_json("depot-bake", ".depotci/depot-bake/metadata.json")
    assert sorted(metadata) == ["app", "depot.build", "tools"]
    build_id = metadata["depot.build"]["buildID"]
    assert metadata["app"]["depot.build"] == {"buildID": build_id, "projectID": server.project}
    env_file = result.artifact("depot-bake", ".depotci/depot-bake/build.env").read_text()
    values = dict(line.split("=", 1) for line in env_file.splitlines())
    assert (values["DEPOTCI_BUILD_ID"], values["DEPOTCI_PROJECT_ID"]) == (build_id, server.project)
    assert values["DEPOTCI_BUILD_URL"].endswith(f"/{build_id}")
    assert values["DEPOTCI_APP_DIGEST"] == metadata["app"]["containerimage.digest"]
    with ConnectClient(server.url) as client:
        builds = [(b.id, b.status) for b in BuildAPI(client).list_builds(server.token, server.project).builds]
    assert builds == [(build_id, 2)]  # one build for the project, FINISHED
    bake_log = result.job_log("depot-bake")
    assert "auth: the GitLab ID token DEPOT_OIDC_TOKEN (iss=" in bake_log
    assert f"route: the Depot API at {server.url}, project {server.project} (from DEPOT_PROJECT_ID)" in bake_log
    assert "oidc: " in server.log() and "accepted" in server.log()
    for text in (result.output, bake_log, result.job_log("verify-digests"), server.log()):
        assert jwt not in text and server.token not in text


def test_an_untrusted_id_token_fails_the_job_without_leaking_it(
    tools: Tools, server: OIDCServer, issuer: OIDCIssuer, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    jwt = issuer.issue(issuer.gitlab_claims("someone/else"))
    project = make_project("build", tmp_path / "app")
    variables = {**_api_variables(server, jwt), "CI_REGISTRY_IMAGE": f"{registry.host}/depotci/{unique('untrusted')}"}
    result = run_pipeline(tools, project, depot_env(builder_env), variables)

    assert result.returncode != 0
    log = result.job_log("depot-build")
    assert "ERROR:" in log and "permission_denied" in log, log[-3000:]
    assert jwt not in result.output and jwt not in log
    assert result.artifact_json("depot-build", ".depotci/depot-build/gl-code-quality-report.json") == []


def test_a_failing_bake_target_gets_a_code_quality_entry(
    tools: Tools, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    broken = "FROM scratch\nCOPY app.txt /app.txt\nCOPY nope.txt /nope.txt\n"
    project = make_project("bake", tmp_path / "app", edit={"app.Dockerfile": broken})
    result = run_pipeline(tools, project, depot_env(builder_env),
                          {"CI_REGISTRY_IMAGE": f"{registry.host}/depotci/{unique('glbake')}"})

    assert result.returncode != 0
    [entry] = result.artifact_json("depot-bake", ".depotci/depot-bake/gl-code-quality-report.json")
    assert entry["location"] == {"path": "app.Dockerfile", "lines": {"begin": 3}}
    assert 'target "app" failed' in entry["description"] and "nope.txt" in entry["description"]
