from __future__ import annotations

import pytest
from depotci.actions.inputs import (
    BakeInputs,
    BuildPushInputs,
    deprecations,
    input_value,
    read_bake_inputs,
    read_build_push_inputs,
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"INPUT_BUILD_ARGS": " a "}, "a"),
        ({"INPUT_BUILD-ARGS": "b"}, "b"),  # the runner's own form for JavaScript actions
        ({"INPUT_BUILD_ARGS": "a", "INPUT_BUILD-ARGS": "b"}, "a"),
        ({}, ""),
    ],
)
def test_input_value(env: dict[str, str], expected: str) -> None:
    assert input_value(env, "build-args") == expected


def test_read_build_push_inputs() -> None:
    env = {
        "INPUT_TAGS": "a:1,b:2\nc:3", "INPUT_BUILD_ARGS": '"X=1,2"\nY=3', "INPUT_PUSH": "true",
        "INPUT_PLATFORMS": "linux/amd64,linux/arm64", "INPUT_OUTPUTS": 'type=image,"name=a,b"',
        "INPUT_SECRETS": "  K=v  \n", "INPUT_SAVE_TAG": "x", "INPUT_SAVE_TAGS": "y,z", "INPUT_CONTEXT": "app",
        "INPUT_NO_CACHE_FILTERS": "s1,s2", "INPUT_CACHE_FROM": "type=registry,ref=r",
    }
    got = read_build_push_inputs(env)
    assert got == BuildPushInputs(
        tags=("a:1", "b:2", "c:3"), build_args=("X=1,2", "Y=3"), push=True,
        platforms=("linux/amd64", "linux/arm64"), outputs=('type=image,"name=a,b"',), secrets=("K=v",),
        save_tags=("y", "z", "x"), context="app", no_cache_filters=("s1", "s2"), cache_from=("type=registry,ref=r",),
    )
    assert "K=v" not in repr(got)


def test_read_bake_inputs_defaults() -> None:
    got = read_bake_inputs({"INPUT_TARGETS": "a, b", "INPUT_SET": "*.platform=linux/amd64\nb.tags=x,y"})
    assert got == BakeInputs(targets=("a", "b"), set=("*.platform=linux/amd64", "b.tags=x,y"), workdir=".")


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (BuildPushInputs(), []),
        (BuildPushInputs(builder="b1"), ["input 'builder' ('b1') is ignored"]),
        (BuildPushInputs(buildx_fallback=True), ["input 'buildx-fallback' is ignored"]),
        (BakeInputs(workdir="x", source="y"), ["input 'workdir' is deprecated"]),
    ],
)
def test_deprecations(inputs: BuildPushInputs | BakeInputs, expected: list[str]) -> None:
    got = deprecations(inputs)
    assert len(got) == len(expected)
    assert all(g.startswith(e) for g, e in zip(got, expected, strict=True))
