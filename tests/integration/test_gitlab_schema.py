"""The component templates and example pipelines against GitLab's CI schema, with the real check-jsonschema
(``vendor.gitlab-ci``). A template is two YAML documents (the ``spec:`` header, then the jobs): each is
checked on its own, as check-jsonschema reads one document per file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from integration.test_gitlab_support import Tools, install_tools

pytestmark = pytest.mark.integration  # the tools come from npm and PyPI (scripts/gitlab-tools)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "gitlab" / "templates").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples" / "gitlab").glob("*/.gitlab-ci.yml"))


@pytest.fixture(scope="module")
def tools() -> Tools:
    return install_tools()


def _split(path: Path, dest: Path) -> list[Path]:
    docs = list(yaml.safe_load_all(path.read_text()))
    out = []
    for n, doc in enumerate(docs):
        part = dest / f"{path.stem}-{n}.yml"
        part.write_text(yaml.safe_dump(doc, sort_keys=False))
        out.append(part)
    return out


def _check(tools: Tools, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tools.check_jsonschema, "--builtin-schema", "vendor.gitlab-ci", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_every_template_and_example_is_found() -> None:
    assert [p.name for p in TEMPLATES] == ["bake.yml", "build.yml"]
    assert sorted(p.parent.name for p in EXAMPLES) == ["bake", "broken", "build"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_halves_pass_the_gitlab_ci_schema(tools: Tools, template: Path, tmp_path: Path) -> None:
    header, jobs = _split(template, tmp_path)
    assert "spec" in yaml.safe_load(header.read_text())
    out = _check(tools, header, jobs)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_example_pipelines_pass_the_gitlab_ci_schema(tools: Tools, example: Path) -> None:
    out = _check(tools, example)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_check_rejects_a_broken_job(tools: Tools, tmp_path: Path) -> None:
    """The check can fail: an unknown job keyword in the jobs half is reported with its path."""
    _, jobs = _split(TEMPLATES[0], tmp_path)
    doc = yaml.safe_load(jobs.read_text())
    job = next(iter(doc.values()))
    job["scrpit"] = job.pop("script")
    jobs.write_text(yaml.safe_dump(doc))
    out = _check(tools, jobs)
    assert out.returncode == 1
    assert "scrpit" in out.stdout + out.stderr or "script" in out.stdout + out.stderr
