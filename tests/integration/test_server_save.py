"""--save / --save-tag through our depot-server onto its registry: the real Go depot CLI and our depot,
bake's -<target> tags, GetPullInfo, and no token in any log."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.test_server_support import ServerProc, real_depot_cli, serving
from support import Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

BAKE = """
group "default" { targets = ["app", "web"] }
target "app" { tags = ["REG/depotci/never:app"] }
target "web" { tags = ["REG/depotci/never:web"] }
"""


@pytest.fixture
def server(builder_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProc]:
    with serving(builder_env, tmp_path, extra_args=("--registry", builder_env["DEPOTCI_REGISTRY"])) as srv:
        yield srv


def _ctx(tmp_path: Path, bake: str = "") -> Path:
    ctx = tmp_path / unique("ctx")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    (ctx / "hello.txt").write_text(f"{ctx.name}\n")
    if bake:
        (ctx / "docker-bake.hcl").write_text(bake)
    return ctx


def _run(ours: bool, args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    if ours:
        return run_depot(args, env, cwd=cwd)
    return subprocess.run([real_depot_cli(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _help(stderr: str) -> tuple[str, str]:
    """(build id, the save help with the build id, project and save tag names normalized)."""
    build_id = re.search(r"To pull: depot pull --project \S+ (\w+)", stderr)
    assert build_id, stderr
    start = stderr.index("\nSaved target")
    end = stderr.index("\n", stderr.index("\tTo push: ", start))
    text = stderr[start:end]
    return build_id.group(1), re.sub(r"(--project |/)[a-z0-9]{10}\b", r"\1P", text.replace(build_id.group(1), "B"))


def _no_secrets(server: ServerProc, out: subprocess.CompletedProcess[str]) -> None:
    for text in (server.log(), out.stdout + out.stderr):
        assert server.token not in text
        assert not any(p in text for p in ("dso_", "dsp_", "dsb_", "eC10b2tlbj"))  # eC10b2tlbj: base64 "x-token:"


def test_save_and_save_tag_real_cli_and_ours(server: ServerProc, builder_env: dict[str, str], registry: Registry,
                                            tmp_path: Path) -> None:
    env = server.env(depot_env(builder_env))
    helps = []
    for ours in (False, True):
        tag = unique("v")
        out = _run(ours, ["build", "--progress", "plain", "--save", "--save-tag", tag, str(_ctx(tmp_path))], env)
        assert out.returncode == 0, out.stderr
        build_id, help_text = _help(out.stderr)
        by_build, _ = registry.manifest(server.project, build_id)
        by_tag, _ = registry.manifest(server.project, tag)
        assert by_build == by_tag
        helps.append(help_text.replace(tag, "TAG"))
        _no_secrets(server, out)
    assert helps[0] == helps[1]
    assert "docker pull 127.0.0.1:5000/P:TAG" in helps[0]


@pytest.mark.parametrize("push", [True, False])
def test_ours_pushes_user_tags_only_with_push(server: ServerProc, builder_env: dict[str, str], registry: Registry,
                                             tmp_path: Path, push: bool) -> None:
    env = server.env(depot_env(builder_env))
    repo = f"depotci/{unique('save')}"
    args = ["build", "--progress=plain", "--save", "-t", f"{registry.host}/{repo}:u1", *(["--push"] if push else [])]
    out = run_depot([*args, str(_ctx(tmp_path))], env)
    assert out.returncode == 0, out.stderr
    build_id, _ = _help(out.stderr)
    saved, _ = registry.manifest(server.project, build_id)
    user = registry.client.get(f"/v2/{repo}/manifests/u1", headers={"Accept": "application/vnd.oci.image.index.v1+json"})
    assert user.status_code == (200 if push else 404)
    if push:
        assert user.headers["Docker-Content-Digest"] == saved
    _no_secrets(server, out)


def test_save_with_load_loads_the_user_tag_and_pushes_only_the_saved_one(  # type: ignore[no-untyped-def]
    server: ServerProc, builder_env: dict[str, str], registry: Registry, engine, tmp_path: Path
) -> None:
    env = server.env(depot_env(builder_env))
    repo = f"depotci/{unique('saveload')}"
    out = run_depot(["build", "--progress=plain", "--save", "--load", "-t", f"{registry.host}/{repo}:u1",
                     str(_ctx(tmp_path))], env)
    assert out.returncode == 0, out.stderr
    build_id, _ = _help(out.stderr)
    assert registry.manifest(server.project, build_id)[0].startswith("sha256:")  # saved
    assert engine.image(f"{registry.host}/{repo}:u1") is not None  # loaded under the user's tag
    user = registry.client.get(f"/v2/{repo}/manifests/u1", headers={"Accept": "application/vnd.oci.image.index.v1+json"})
    assert user.status_code == 404  # and never pushed
    _no_secrets(server, out)


def test_bake_save_tags_every_target(server: ServerProc, builder_env: dict[str, str], registry: Registry,
                                     tmp_path: Path) -> None:
    env = server.env(depot_env(builder_env))
    helps = []
    for ours in (False, True):
        tag = unique("r")
        ctx = _ctx(tmp_path, BAKE.replace("REG", registry.host))
        out = _run(ours, ["bake", "--progress", "plain", "--save", "--save-tag", tag], env, cwd=ctx)
        assert out.returncode == 0, out.stderr
        build_id, help_text = _help(out.stderr)
        for target in ("app", "web"):
            a, _ = registry.manifest(server.project, f"{build_id}-{target}")
            b, _ = registry.manifest(server.project, f"{tag}-{target}")
            assert a == b
        helps.append(_target_order_free(help_text.replace(tag, "TAG")))
        _no_secrets(server, out)
    assert helps[0] == helps[1]
    assert registry.client.get("/v2/depotci/never/tags/list").status_code == 404


def _target_order_free(help_text: str) -> list[str]:
    """The help's lines with the target order taken out: the real CLI lists bake targets in Go map order
    (``Saved targets: web,app`` in about 1 run of 8), ours in bake-file order."""
    lines = []
    for line in help_text.splitlines():
        head, sep, names = line.partition("Saved targets: ")
        lines.append(head + sep + ",".join(sorted(names.split(","))) if sep else line)
    return sorted(lines)


def test_get_pull_info_names_what_the_registry_holds(server: ServerProc, builder_env: dict[str, str],
                                                     registry: Registry, tmp_path: Path) -> None:
    from depotci.core.commands.build_api import api_client

    env = server.env(depot_env(builder_env))
    out = run_depot(["build", "--progress=plain", "--save", str(_ctx(tmp_path))], env)
    assert out.returncode == 0, out.stderr
    build_id, _ = _help(out.stderr)
    with api_client(server.url) as api:
        info = api.get_pull_info(server.token, build_id)
        pull_token = api.get_pull_token(server.token, project_id=server.project)
    assert info.reference == f"{registry.host}/{server.project}:{build_id}"
    assert info.username == "x-token" and info.password.startswith("dsp_") and pull_token.startswith("dsp_")
    assert [o.save for o in info.options] == [True] and not info.save_for_load
    repo, _, ref = info.reference.removeprefix(registry.host + "/").partition(":")
    digest, _ = registry.manifest(repo, ref)
    assert digest.startswith("sha256:")
    _no_secrets(server, out)


def test_pull_token_real_cli_and_ours(server: ServerProc, builder_env: dict[str, str]) -> None:
    env = server.env(depot_env(builder_env))
    tokens = []
    for ours in (False, True):
        out = _run(ours, ["pull-token", "--project", server.project], env)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ds") and lines[0] != server.token
        tokens.append(lines[0])
        assert out.stderr == ""  # the token goes to stdout only
    assert tokens[0] != tokens[1]  # each call mints its own
    assert not any(t in server.log() for t in (*tokens, server.token))
    bad = run_depot(["pull-token", "--project", "nope123456"], env)
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and len(bad.stderr.strip().splitlines()) == 1


def _pulled(engine, reference: str) -> list[str]:  # type: ignore[no-untyped-def]
    image = engine.image(reference)
    assert image is not None, f"{reference} is not in the engine"
    return sorted(image["RepoTags"])


def test_pull_a_saved_build_like_the_real_cli(  # type: ignore[no-untyped-def]
    server: ServerProc, builder_env: dict[str, str], registry: Registry, engine, tmp_path: Path
) -> None:
    env = server.env(depot_env(builder_env))
    outputs = {}
    for ours in (False, True):
        built = run_depot(["build", "--progress=plain", "--save", str(_ctx(tmp_path))], env)
        assert built.returncode == 0, built.stderr
        build_id, _ = _help(built.stderr)
        tag = f"depotci-test/{unique('pulled')}:v1"
        out = _run(ours, ["pull", "--progress=plain", "-t", tag, build_id], env)
        assert out.returncode == 0, out.stderr
        saved = f"{registry.host}/{server.project}:{build_id}"
        assert _pulled(engine, tag) == sorted([saved, tag])  # the user tag added, the saved one kept
        outputs[ours] = re.sub(r"[0-9a-f]{12}", "L", re.sub(r"DONE \d+\.\d+s", "DONE T", out.stderr.replace(tag, "TAG")))
        _no_secrets(server, out)
    assert outputs[True] == outputs[False]


def test_pull_a_saved_bake_suffixes_the_tags(  # type: ignore[no-untyped-def]
    server: ServerProc, builder_env: dict[str, str], registry: Registry, engine, tmp_path: Path
) -> None:
    env = server.env(depot_env(builder_env))
    ctx = _ctx(tmp_path, BAKE.replace("REG", registry.host))
    built = run_depot(["bake", "--progress=plain", "--save"], env, cwd=ctx)
    assert built.returncode == 0, built.stderr
    build_id = re.search(r"depot pull --project \S+ (\w+)", built.stderr)
    assert build_id, built.stderr
    tag = f"depotci-test/{unique('bakepull')}:v1"
    out = run_depot(["pull", "--progress=plain", "-t", tag, build_id.group(1)], env)
    assert out.returncode == 0, out.stderr
    for target in ("app", "web"):
        assert f"{tag}-{target}" in _pulled(engine, f"{tag}-{target}")
    one = run_depot(["pull", "--progress=plain", "--target", "nope", build_id.group(1)], env)
    assert one.returncode == 1 and one.stderr.startswith("error: --target 'nope' is not a target of build")
