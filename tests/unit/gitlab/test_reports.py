"""Diagnostics → code-quality entries (path relative to the project, line, severity, stable fingerprint)."""

from __future__ import annotations

import pytest
from depotci.core.diagnostics import Diagnostic
from depotci.gitlab.env import GitLabEnv
from depotci.gitlab.reports import code_quality, render_line

GENV = GitLabEnv(project_dir="/builds/acme/app")


@pytest.mark.parametrize(
    ("diag", "cwd", "fallback", "path", "lines", "severity"),
    [
        (Diagnostic("error", "failed to solve", "Dockerfile", 3, detail="step: [2/2] COPY x /"), "/builds/acme/app",
         "", "Dockerfile", {"begin": 3}, "critical"),
        (Diagnostic("error", "boom", "/builds/acme/app/svc/Dockerfile", 7, end_line=9), "/builds/acme/app", "", "svc/Dockerfile",
         {"begin": 7, "end": 9}, "critical"),
        (Diagnostic("error", "boom", "Dockerfile.prod", 2), "/builds/acme/app/svc", "", "svc/Dockerfile.prod", {"begin": 2},
         "critical"),
        (Diagnostic("warning", "JSON args", "Dockerfile", 4, rule="JSONArgsRecommended"), "/builds/acme/app", "",
         "Dockerfile", {"begin": 4}, "minor"),
        (Diagnostic("error", "2 of 2 targets failed", rule="build-failed"), "/builds/acme/app", "/builds/acme/app/ci/Dockerfile", "ci/Dockerfile",
         {"begin": 1}, "critical"),
        (Diagnostic("error", "outside", "/elsewhere/Dockerfile", 5), "/builds/acme/app", "", "/elsewhere/Dockerfile",
         {"begin": 5}, "critical"),
    ],
)
def test_code_quality_entry(diag: Diagnostic, cwd: str, fallback: str, path: str, lines: dict[str, int], severity: str) -> None:
    [entry] = code_quality([diag], GENV, cwd, fallback)
    assert entry["location"] == {"path": path, "lines": lines}
    assert entry["severity"] == severity
    assert diag.summary in entry["description"]
    assert len(entry["fingerprint"]) == 64


def test_errors_that_are_not_about_a_file_stay_out_of_the_report() -> None:
    assert code_quality([Diagnostic("error", "permission_denied: no project trusts", rule="ApiError")], GENV, "/p", "Dockerfile") == []


def test_fingerprints_are_stable_across_random_ids_and_distinct_per_finding() -> None:
    a = Diagnostic("error", 'failed to calculate checksum of ref s2nz0g7gfc9aobe49xd4uognf::aaaaaaaaaaaaaaaaaaaaaaaaa: "/x"', "Dockerfile", 3)
    b = Diagnostic("error", 'failed to calculate checksum of ref s2nz0g7gfc9aobe49xd4uognf::bbbbbbbbbbbbbbbbbbbbbbbbb: "/x"', "Dockerfile", 3)
    c = Diagnostic("error", a.summary, "Dockerfile", 4)
    fa, fb, fc = (code_quality([d], GENV, "/builds/acme/app", "")[0]["fingerprint"] for d in (a, b, c))
    assert fa == fb != fc
    assert len(code_quality([a, b, c], GENV, "/builds/acme/app", "")) == 2


def test_warning_description_has_title_and_link() -> None:
    d = Diagnostic("warning", "Empty continuation line", "Dockerfile", 5, detail="Empty continuation lines will become errors",
                   rule="NoEmptyContinuation", url="https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/")
    [entry] = code_quality([d], GENV, "/builds/acme/app", "")
    assert entry["check_name"] == "NoEmptyContinuation"
    assert entry["description"] == ("Empty continuation line (Empty continuation lines will become errors) "
                                    "More info: https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/")


@pytest.mark.parametrize(
    ("diag", "line"),
    [
        (Diagnostic("error", "failed to solve: x", "/builds/acme/app/Dockerfile", 3), "\x1b[31;1mERROR:\x1b[0m Dockerfile:3: failed to solve: x"),
        (Diagnostic("warning", "w", "Dockerfile"), "\x1b[33;1mWARNING:\x1b[0m Dockerfile: w"),
        (Diagnostic("error", "no builder"), "\x1b[31;1mERROR:\x1b[0m no builder"),
    ],
)
def test_render_line(diag: Diagnostic, line: str) -> None:
    assert render_line(diag, GENV, "/builds/acme/app") == line
