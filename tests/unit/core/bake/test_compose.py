"""Table-driven tests of the Compose mapping and ``.env`` parsing."""

from __future__ import annotations

import pytest
from depotci.core.bake.compose import parse_compose_files, parse_dotenv


@pytest.mark.parametrize(
    ("yaml_text", "env", "field", "want"),
    [
        ("services:\n  a.b:\n    build: ./x\n", {}, "name", "a_b"),
        ("services:\n  a:\n    build: ./x/../y\n", {}, "context", "y"),
        ("services:\n  a:\n    image: img\n    build: .\n", {}, "tags", ["img"]),
        (
            "services:\n  a:\n    image: img\n    build:\n      x-bake:\n        tags: t1 t2\n",
            {},
            "tags",
            ["t1", "t2"],
        ),
        ("services:\n  a:\n    build:\n      args: [A, B=2]\n", {"A": "env"}, "args", {"A": "env", "B": "2"}),
        ("services:\n  a:\n    build:\n      args:\n        X: ${V:-dflt}\n", {}, "args", {"X": "dflt"}),
        ("services:\n  a:\n    build:\n      x-depot:\n        project-id: p9\n", {}, "project_id", "p9"),
        ("services:\n  a:\n    build: .\n", {}, "network", ""),
    ],
)
def test_service_mapping(yaml_text: str, env: dict[str, str], field: str, want: object) -> None:
    groups, targets = parse_compose_files([("compose.yaml", yaml_text)], env)
    assert [g.targets for g in groups] == [[targets[0].name]]
    assert getattr(targets[0], field) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "A=1\n# c\nB='x y'\nC=\"q\\nr\"\nexport D=4 # note\n",
            {"A": "1", "B": "x y", "C": "q\nr", "D": "4"},
        ),
        ("E=${A:-z}\n", {"E": "z"}),
    ],
)
def test_dotenv(text: str, want: dict[str, str]) -> None:
    assert parse_dotenv(text) == want
