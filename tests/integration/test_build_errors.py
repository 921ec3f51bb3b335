"""`depot build` failures against the real builder: each is exit 1 and one ``error: `` line (no
traceback), and nothing partial is written (metadata file, iidfile, local output).

Input and flag errors print only that line. A failed step prints its progress, the step, its log tail
and the Dockerfile excerpt first, and then the one ``error: `` line naming the Dockerfile ``file:line``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from support import depot_env, run_depot

pytestmark = pytest.mark.integration

DOCKERFILE = "FROM scratch\nCOPY busybox /bin/busybox\nCOPY . /ctx/\n"
# a build that would otherwise succeed: every case below breaks exactly one thing
GOOD = {"Dockerfile": DOCKERFILE, "data.txt": "data"}
SETPRIV = shutil.which("setpriv")


def _artifacts(tmp_path: Path, local_output: bool = False) -> tuple[list[str], list[Path]]:
    """Flags that would write files, and those files: they must not exist after a failure."""
    meta, iid, out = tmp_path / "meta.json", tmp_path / "iid.txt", tmp_path / "out"
    if local_output:  # there is no image ID to write with a local output
        return ["--metadata-file", str(meta), "--output", f"type=local,dest={out}"], [meta, out]
    return ["--metadata-file", str(meta), "--iidfile", str(iid)], [meta, iid, out]


def _assert_one_error_line(out: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 1, stderr is exactly one ``error: `` line (returned) containing every needle."""
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- missing or broken inputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("missing context dir", "does not exist"),
        ("missing Dockerfile", "does not exist"),
        ("Dockerfile is a directory", "is a directory"),
        ("Dockerfile is a dangling symlink", "does not exist"),
    ],
)
def test_missing_or_broken_inputs(builder_env: dict[str, str], make_context, tmp_path: Path, case: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    ctx: Path = make_context({"data.txt": "data"})
    target = ctx
    if case == "missing context dir":
        target = tmp_path / "no-such-context"
        path = target
    elif case == "missing Dockerfile":
        path = ctx / "Dockerfile"
    elif case == "Dockerfile is a directory":
        (ctx / "Dockerfile").mkdir()
        path = ctx / "Dockerfile"
    else:
        (ctx / "Dockerfile").symlink_to(tmp_path / "gone")
        path = ctx / "Dockerfile"
    flags, artifacts = _artifacts(tmp_path, local_output=True)
    out = run_depot(["build", *flags, str(target)], depot_env(builder_env))
    _assert_one_error_line(out, needle, f"'{path}'")
    assert not any(p.exists() for p in artifacts)


# Root reads any file, so an unreadable file needs a process without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH:
# setpriv drops them from the bounding set, and `depot` (uid 0, still the owner of the builder's socket)
# then meets the permissions a normal user would.
@pytest.mark.skipif(SETPRIV is None, reason="setpriv (util-linux) is needed to drop root's DAC override")
@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("unreadable Dockerfile", ("Dockerfile", "is not readable", "Permission denied")),
        ("unreadable file in the context", ("cannot read file 'locked.txt'", "permission denied")),
        ("unreadable directory in the context", ("cannot read directory 'locked'", "permission denied")),
    ],
)
def test_unreadable_inputs(builder_env: dict[str, str], make_context, tmp_path: Path, case: str, needles: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    ctx: Path = make_context(dict(GOOD))
    if case == "unreadable Dockerfile":
        locked = ctx / "Dockerfile"
    elif case == "unreadable file in the context":
        locked = ctx / "locked.txt"
        locked.write_text("secret")
    else:
        locked = ctx / "locked"
        locked.mkdir()
        (locked / "f.txt").write_text("x")
    locked.chmod(0)
    try:
        flags, artifacts = _artifacts(tmp_path, local_output=True)
        cmd = ["build", "--progress=plain", *flags, str(ctx)]
        out = subprocess.run(
            [str(SETPRIV), "--bounding-set=-dac_override,-dac_read_search", *_depot_argv(cmd)],
            env=depot_env(builder_env), capture_output=True, text=True, timeout=120,
        )
    finally:
        locked.chmod(0o755)
    assert out.returncode == 1, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == out.stderr.splitlines()[-1], out.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    assert "Traceback" not in out.stderr
    assert not any(p.exists() for p in artifacts)


def _depot_argv(args: list[str]) -> list[str]:
    from support import DEPOT

    return [DEPOT, *args]


# --- malformed flag values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--secret", "foo"),
        ("--secret", "src=/etc/hostname"),
        ("--platform", ",,"),
        ("--platform", "linux/amd64/v2/extra/more"),
        ("--output", "type=bogus"),
        ("--output", "type=local"),
        ("--output", "type=tar,foo"),
        ("--build-arg", "=x"),
        ("--ulimit", "foo"),
        ("--ulimit", "nofile=a:b"),
    ],
)
def test_malformed_flag_values(builder_env: dict[str, str], make_context, tmp_path: Path, flag: str, value: str) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(dict(GOOD))
    flags, artifacts = _artifacts(tmp_path)
    out = run_depot(["build", *flags, flag, value, str(ctx)], depot_env(builder_env))
    _assert_one_error_line(out, flag, f"'{value}'")
    assert not any(p.exists() for p in artifacts)


def test_secret_source_missing(builder_env: dict[str, str], make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(dict(GOOD))
    flags, artifacts = _artifacts(tmp_path)
    out = run_depot(["build", *flags, "--secret", "id=x,src=/nonexistent", str(ctx)], depot_env(builder_env))
    _assert_one_error_line(out, "secret 'x'", "'/nonexistent'", "No such file or directory")
    assert not any(p.exists() for p in artifacts)


# --- unreachable builder -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["BUILDKIT_HOST tcp closed port", "DOCKER_HOST missing socket", "BUILDKIT_HOST unix missing socket"])
def test_unreachable_builder_is_one_line_within_10s(builder_env: dict[str, str], make_context, tmp_path: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(dict(GOOD))
    env = depot_env(builder_env, DEPOTCI_BUILDER_DIR="/nonexistent")
    if case == "BUILDKIT_HOST tcp closed port":
        address = f"tcp://127.0.0.1:{_free_port()}"
        env["BUILDKIT_HOST"] = address
    elif case == "DOCKER_HOST missing socket":
        address = "unix:///nonexistent.sock"
        env["DOCKER_HOST"] = address
    else:
        address = f"unix://{tmp_path}/buildkitd.sock"
        env["BUILDKIT_HOST"] = address
    flags, artifacts = _artifacts(tmp_path)
    started = time.monotonic()
    out = run_depot(["build", *flags, str(ctx)], env, timeout=60)
    elapsed = time.monotonic() - started
    _assert_one_error_line(out, "cannot reach the builder", address, case.split()[0])
    assert elapsed < 10, f"took {elapsed:.1f}s"
    assert not any(p.exists() for p in artifacts)


# --- the build runs and fails ------------------------------------------------------------------------

FAILING_RUN = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo first-words; echo last-words-$((6*7)) >&2; exit 3"]
"""
BAD_SYNTAX = "FROM scratch\nCOPY busybox /bin/busybox\nRUNN echo hi\n"
_ERROR_AT = re.compile(r"^error: (?P<path>.+?):(?P<line>\d+): failed to solve: (?P<rest>.*)$")


@pytest.mark.parametrize(
    ("case", "files", "dockerfile", "line", "needles"),
    [
        ("failing RUN", {"Dockerfile": FAILING_RUN}, "Dockerfile", 3,
         ("[2/2] RUN", "first-words", "last-words-42", "did not complete successfully: exit code: 3")),
        ("failing RUN, -f outside the context root", {"build/app.Dockerfile": FAILING_RUN}, "build/app.Dockerfile", 3,
         ("[2/2] RUN", "last-words-42", "exit code: 3")),
        ("unknown instruction", {"Dockerfile": BAD_SYNTAX}, "Dockerfile", 3,
         ("dockerfile parse error on line 3", "unknown instruction: RUNN")),
    ],
)
def test_failed_build_names_the_step_and_the_dockerfile_line(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], make_context, tmp_path: Path,
    case: str, files: dict[str, str], dockerfile: str, line: int, needles: tuple[str, ...],
) -> None:
    ctx: Path = make_context(files)
    flags, artifacts = _artifacts(tmp_path)
    args = ["build", "--progress=plain", "--network", "none", *flags]
    if dockerfile != "Dockerfile":
        args += ["-f", str(ctx / dockerfile)]
    out = run_depot([*args, str(ctx)], depot_env(builder_env), cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    errors = [x for x in lines if x.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], out.stderr
    for needle in needles:
        assert needle in out.stderr
    # the excerpt BuildKit's source info points at, as buildx prints it
    name = Path(dockerfile).name
    assert f"{name}:{line}\n--------------------\n" in out.stderr
    assert re.search(rf"^ +{line} \| >>> ", out.stderr, re.M), out.stderr
    m = _ERROR_AT.match(errors[0])
    assert m is not None, errors[0]
    assert (tmp_path / m["path"]).resolve() == (ctx / dockerfile).resolve()
    assert int(m["line"]) == line
    assert needles[-1] in m["rest"]
    assert not any(p.exists() for p in artifacts)


# --- the builder dies mid-build ----------------------------------------------------------------------

SLEEPING = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sleep", "60"]\n'


def _kill_step_processes(work: Path) -> None:
    """SIGKILL the RUN step processes of the builder in ``work``: runc left them running when dockerd died.
    They are found by pid through their cgroup, named after the executor ids under ``work``."""
    executor = work / "data" / "docker" / "buildkit" / "executor"
    ids = [p.name for p in executor.iterdir()] if executor.is_dir() else []
    if not ids:
        return
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cgroup = (proc / "cgroup").read_text()
        except OSError:
            continue
        if any(f"/buildkit/{i}\n" in cgroup for i in ids):
            try:
                os.kill(int(proc.name), 9)
            except ProcessLookupError:
                pass


@pytest.fixture
def second_builder(builder_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """A builder environment of its own (scripts/builder in a temp dir, registry on a free port), stopped
    and removed afterwards; yields (its dir, the variables it exports). Reuses the unpacked packages of
    the main environment when they are there."""
    from support import ROOT

    main_dir = Path(builder_env["DOCKER_HOST"].removeprefix("unix://")).parent
    work = Path(tempfile.mkdtemp(prefix="dci-b2-", dir="/tmp"))  # short: sockets live under it
    if (main_dir / "root" / "usr" / "sbin" / "dockerd").exists():
        (work / "root").symlink_to(main_dir / "root")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPOTCI_", "DOCKER_", "BUILDKIT_"))}
    env.update(DEPOTCI_BUILDER_DIR=str(work), DEPOTCI_REGISTRY_PORT=str(_free_port()))
    script = str(ROOT / "scripts" / "builder")
    try:
        out = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, f"second builder failed to start: {out.stderr[-2000:]}"
        exported = dict(
            line[len("export ") :].split("=", 1) for line in out.stdout.splitlines() if line.startswith("export ")
        )
        yield work, exported
    finally:
        for _ in range(3):  # runc may still be starting one when dockerd dies
            _kill_step_processes(work)
            time.sleep(0.2)
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
        mounted = any(f" {work}/" in line for line in Path("/proc/mounts").read_text().splitlines())
        if not mounted:
            shutil.rmtree(work, ignore_errors=True)


def test_builder_dies_mid_build(second_builder, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from support import DEPOT

    work, exported = second_builder
    ctx = make_context({"Dockerfile": SLEEPING})
    flags, artifacts = _artifacts(tmp_path)
    env = depot_env(exported, DEPOTCI_BUILDER_DIR=str(work))
    err_path = tmp_path / "stderr.txt"
    with open(err_path, "w") as err:
        proc = subprocess.Popen(
            [DEPOT, "build", "--progress=plain", "--network", "none", *flags, str(ctx)],
            env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        deadline = time.monotonic() + 120
        while 'RUN ["/bin/busybox", "sleep", "60"]' not in err_path.read_text():
            assert proc.poll() is None, f"the build ended early: {err_path.read_text()}"
            assert time.monotonic() < deadline, err_path.read_text()
            time.sleep(0.1)
        time.sleep(3)  # well inside the step
        for pidfile in ("dockerd.launcher.pid", "containerd.pid"):
            os.kill(int((work / pidfile).read_text().strip()), 9)
        killed = time.monotonic()
        code = proc.wait(timeout=30)
        detected = time.monotonic() - killed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = err_path.read_text()
    print(f"builder death detected in {detected:.2f}s: {stderr.splitlines()[-1]}")
    assert code == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    errors = [x for x in lines if x.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], stderr
    assert "builder" in errors[0] and str(work) in errors[0], errors[0]
    assert detected < 30
    assert not any(p.exists() for p in artifacts)
