"""The save help, as the real CLI 2.102.12 prints it (recorded against our server, ids replaced)."""

from __future__ import annotations

import pytest
from depotci.core.commands.save_help import render_save_help, wants_save_help

BUILD_ONE = """
Saved target:\x20
\tTo pull: depot pull --project P B
\tTo push: depot push --project P --tag <REPOSITORY:TAG> B
"""
BUILD_TAGS = """
Saved target:\x20
\tTo pull: depot pull --project P B
\tTo pull save-tags:
\t\tdocker login registry.depot.dev -u x-token -p $(depot pull-token --project P)

\t\tdocker pull r/P:v1
\t\tdocker pull r/P:v2

\tTo push: depot push --project P --tag <REPOSITORY:TAG> B
"""
BAKE_TAGS = """
Saved targets: app,web
\tTo pull: depot pull --project P B
\tTo pull save-tags:
\t\tdocker login registry.depot.dev -u x-token -p $(depot pull-token --project P)

\t\tdocker pull r/P:r1-app
\t\tdocker pull r/P:r1-web

\tTo push: depot push --target <TARGET> --project P --tag <REPOSITORY:TAG> B
"""
BAKE_DEFAULT = """
Saved target: default
\tTo pull: depot pull --project P B
\tTo pull save-tags:
\t\tdocker login registry.depot.dev -u x-token -p $(depot pull-token --project P)


\tTo push: depot push --target <TARGET> --project P --tag <REPOSITORY:TAG> B
"""


@pytest.mark.parametrize(
    ("targets", "tags", "expected"),
    [
        ([], ["r/P:B"], BUILD_ONE),
        ([], ["r/P:B", "r/P:v1", "r/P:v2"], BUILD_TAGS),
        (["app", "web"], ["r/P:B", "r/P:r1"], BAKE_TAGS),
        (["default"], ["r/P:B", "r/P:r1"], BAKE_DEFAULT),
    ],
)
def test_render_save_help(targets: list[str], tags: list[str], expected: str) -> None:
    assert render_save_help("P", "B", targets, tags) == expected


@pytest.mark.parametrize(
    ("env", "progress", "expected"),
    [
        ({}, "plain", True),
        ({}, "quiet", False),
        ({"DEPOT_NO_SUMMARY_LINK": "1"}, "auto", False),
        ({"DEPOT_IN_AUTOMATION": "1"}, "auto", False),
    ],
)
def test_wants_save_help(env: dict[str, str], progress: str, expected: bool) -> None:
    assert wants_save_help(env, progress) is expected
