"""Dotenv values, GitLab's dotenv rules, and the annotations report."""

from __future__ import annotations

from typing import Any

import pytest
from depotci.gitlab.outputs import (
    MAX_DOTENV_VARS,
    annotations_report,
    bake_outputs,
    build_outputs,
    dotenv_text,
)

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64


@pytest.mark.parametrize(
    ("metadata", "tags", "expected"),
    [
        (
            {"containerimage.digest": D1, "containerimage.config.digest": D2,
             "depot.build": {"buildID": "b1", "projectID": "p1"}},
            ("reg:5000/acme/app:v1", "reg:5000/acme/app:latest"),
            {"DIGEST": D1, "IMAGE_ID": D2, "IMAGE_REF": f"reg:5000/acme/app@{D1}", "BUILD_ID": "b1", "PROJECT_ID": "p1"},
        ),
        (
            {"containerimage.digest": D1},
            ("acme/app",),
            {"DIGEST": D1, "IMAGE_ID": D1, "IMAGE_REF": f"acme/app@{D1}", "BUILD_ID": "", "PROJECT_ID": ""},
        ),
        ({}, ("acme/app:1",), {"DIGEST": "", "IMAGE_ID": "", "IMAGE_REF": "", "BUILD_ID": "", "PROJECT_ID": ""}),
        ({"containerimage.digest": D1}, (), {"DIGEST": D1, "IMAGE_ID": D1, "IMAGE_REF": "", "BUILD_ID": "", "PROJECT_ID": ""}),
    ],
)
def test_build_outputs(metadata: dict[str, Any], tags: tuple[str, ...], expected: dict[str, str]) -> None:
    out = build_outputs("IMG", metadata, tags=tags, build_url="http://x/b", metadata_path=".depotci/j/metadata.json")
    assert out == {**{f"IMG_{k}": v for k, v in expected.items()}, "IMG_BUILD_URL": "http://x/b",
                   "IMG_METADATA": ".depotci/j/metadata.json"}


def test_bake_outputs_has_a_digest_per_target() -> None:
    metadata = {"app": {"containerimage.digest": D1}, "my-tools.v2": {"containerimage.digest": D2},
                "cache-only": {"buildx.build.ref": "x"}, "buildx.build.warnings": []}
    out = bake_outputs("DEPOTCI", metadata, build_url="", metadata_path="m.json")
    assert out["DEPOTCI_APP_DIGEST"] == D1 and out["DEPOTCI_MY_TOOLS_V2_DIGEST"] == D2
    assert not any("CACHE_ONLY" in k or "WARNINGS" in k for k in out)


@pytest.mark.parametrize(
    ("values", "text", "warned"),
    [
        ({"A": "1", "B": ""}, "A=1\n", []),
        ({"A": "two words"}, "", ["A"]),
        ({"A": "l1\nl2"}, "", ["A"]),
        ({"BAD-KEY": "1", "OK": "2"}, "OK=2\n", ["BAD-KEY"]),
        ({"1X": "1"}, "", ["1X"]),
    ],
)
def test_dotenv_rules(values: dict[str, str], text: str, warned: list[str]) -> None:
    out, warnings = dotenv_text(values)
    assert out == text
    assert len(warnings) == len(warned) and all(w in msg for w, msg in zip(warned, warnings, strict=True))


def test_dotenv_limits() -> None:
    many = {f"V{i}": "x" for i in range(MAX_DOTENV_VARS + 3)}
    out, warnings = dotenv_text(many)
    assert out.count("\n") == MAX_DOTENV_VARS and len(warnings) == 3
    big = {f"V{i}": "y" * 1000 for i in range(8)}
    out, warnings = dotenv_text(big)
    assert len(out.encode()) <= 5 * 1024 and out.count("\n") == 5 and len(warnings) == 3


@pytest.mark.parametrize(
    ("url", "build_id", "expected"),
    [
        ("http://h/b/1", "b1", {"depot": [{"external_link": {"label": "Depot build b1", "url": "http://h/b/1"}}]}),
        ("http://h/b/1", "", {"depot": [{"external_link": {"label": "Depot build", "url": "http://h/b/1"}}]}),
        ("", "b1", {"depot": []}),
    ],
)
def test_annotations_report(url: str, build_id: str, expected: dict[str, Any]) -> None:
    assert annotations_report(url, build_id) == expected
