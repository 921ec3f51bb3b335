"""``--metadata-file``: exporter response decoding, Go-compatible JSON, the atomic write."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from depotci.core.buildkit.metadata import (
    decode_exporter_response,
    go_json,
    pushed_with_moby,
    warnings_json,
    write_metadata_file,
)
from depotci.core.errors import InputError


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


DESCRIPTOR = '{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:ab","size":855}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (_b64(DESCRIPTOR), {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:ab", "size": 855}),
        (_b64('{"z": 1, "a": {"y": 2, "b": 3}}'), {"z": 1, "a": {"y": 2, "b": 3}}),
        (_b64("{}"), _b64("{}")),  # empty object: kept as the string
        (_b64("[1, 2]"), _b64("[1, 2]")),  # JSON, but not an object
        (_b64('"str"'), _b64('"str"')),
        (_b64("123"), _b64("123")),
        (_b64("null"), _b64("null")),
        (_b64("not json"), _b64("not json")),
        ("sha256:0123abcd", "sha256:0123abcd"),  # not base64
        ("docker.io/library/app:latest", "docker.io/library/app:latest"),
        ("true", "true"),  # valid base64 alphabet, decodes to garbage
        ("", ""),
        (_b64(DESCRIPTOR)[:-2], _b64(DESCRIPTOR)[:-2]),  # broken padding
    ],
)
def test_decode_exporter_response_values(value: str, expected: Any) -> None:
    assert decode_exporter_response({"k": value}) == {"k": expected}


def test_decode_exporter_response_keeps_every_key() -> None:
    resp = {
        "containerimage.digest": "sha256:ab",
        "containerimage.descriptor": _b64(DESCRIPTOR),
        "image.name": "reg/app:1,reg/app:latest",
    }
    out = decode_exporter_response(resp)
    assert list(out) == list(resp)
    assert out["containerimage.digest"] == "sha256:ab"
    assert out["containerimage.descriptor"]["size"] == 855
    assert out["image.name"] == "reg/app:1,reg/app:latest"


@pytest.mark.parametrize(
    ("obj", "text"),
    [
        ({}, "{}"),
        ({"b": 1, "a": 2}, '{\n  "a": 2,\n  "b": 1\n}'),
        # nested objects keep their order (Go keeps json.RawMessage bytes as they are)
        ({"k": {"z": 1, "a": [1, {"y": None, "b": True}]}}, '{\n  "k": {\n    "z": 1,\n    "a": [\n      1,\n      {\n        "y": null,\n        "b": true\n      }\n    ]\n  }\n}'),
        ({"k": {}, "l": []}, '{\n  "k": {},\n  "l": []\n}'),
        ({"html": "<a href='x'>&</a>"}, '{\n  "html": "\\u003ca href=\'x\'\\u003e\\u0026\\u003c/a\\u003e"\n}'),
        ({"<k>": 1}, '{\n  "\\u003ck\\u003e": 1\n}'),
        ({"sep": "a\u2028b\u2029c"}, '{\n  "sep": "a\\u2028b\\u2029c"\n}'),
        ({"utf8": "héllo ✓"}, '{\n  "utf8": "héllo ✓"\n}'),
        ({"ctl": 'q"\\\n\t'}, '{\n  "ctl": "q\\"\\\\\\n\\t"\n}'),
        (["b", "a"], '[\n  "b",\n  "a"\n]'),
    ],
)
def test_go_json(obj: Any, text: str) -> None:
    assert go_json(obj) == text


def test_go_json_sorts_only_top_level() -> None:
    out = go_json({"z": {"b": 1, "a": 2}, "a": 0})
    assert out.index('"a": 0') < out.index('"z"')
    assert out.index('"b": 1') < out.index('"a": 2')


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".metadata-"))


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o000])
def test_write_metadata_file(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "sub" / "meta.json"
    old = os.umask(umask)
    try:
        write_metadata_file(str(path), {"b": "<x>", "a": {"z": 1, "y": 2}})
    finally:
        os.umask(old)
    assert path.read_text(encoding="utf-8") == '{\n  "a": {\n    "z": 1,\n    "y": 2\n  },\n  "b": "\\u003cx\\u003e"\n}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert _leftovers(path.parent) == []


def test_write_metadata_file_replaces(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text("old contents that are longer than the new ones")
    path.chmod(0o600)
    write_metadata_file(str(path), {"k": "v"})
    assert path.read_text() == '{\n  "k": "v"\n}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        ("file/meta.json", "File exists"),  # the parent is a regular file
        ("file/sub/meta.json", "Not a directory"),
    ],
)
def test_write_metadata_file_unwritable_dir(tmp_path: Path, rel: str, reason: str) -> None:
    (tmp_path / "file").write_text("x")
    path = tmp_path / rel
    with pytest.raises(InputError) as info:
        write_metadata_file(str(path), {"k": "v"})
    assert str(info.value) == f"cannot write metadata file '{path}': {reason}"


def test_write_metadata_file_no_temp_left_on_error(tmp_path: Path) -> None:
    target = tmp_path / "meta.json"
    (target / "child").mkdir(parents=True)  # the path is a non-empty directory: the rename fails
    with pytest.raises(InputError) as info:
        write_metadata_file(str(target), {"k": "v"})
    assert str(info.value) == f"cannot write metadata file '{target}': Is a directory"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("resp", "expected"),
    [
        ({"containerimage.digest": "sha256:a"}, {"containerimage.digest": "sha256:a", "containerimage.config.digest": "sha256:a"}),
        (
            {"containerimage.digest": "sha256:a", "containerimage.config.digest": "sha256:c"},
            {"containerimage.digest": "sha256:a", "containerimage.config.digest": "sha256:c"},
        ),
        ({"image.name": "x"}, {"image.name": "x"}),
        ({}, {}),
    ],
)
def test_pushed_with_moby(resp: dict[str, str], expected: dict[str, str]) -> None:
    before = dict(resp)
    assert pushed_with_moby(resp) == expected
    assert resp == before  # the input is not changed


def test_warnings_json_is_buildx_shape_and_reads_back() -> None:
    from depotci.core.buildkit.progress.model import Range, SourceInfo, VertexWarning
    from depotci.core.diagnostics import from_metadata_warnings

    full = VertexWarning(
        vertex="sha256:v", short=b"Stage name 'Build' should be lowercase (line 2)", level=1,
        detail=(b"Lowercase", b"names"), url="https://docs/x", source=SourceInfo("Dockerfile", b"FROM a AS Build\n", "Dockerfile"),
        ranges=(Range(2, 2, 0, 15),),
    )
    bare = VertexWarning(vertex="sha256:w", short=b"")
    out = warnings_json([full, bare])
    assert out == [
        {
            "vertex": "sha256:v", "level": 1, "short": _b64("Stage name 'Build' should be lowercase (line 2)"),
            "detail": [_b64("Lowercase"), _b64("names")], "url": "https://docs/x",
            "sourceInfo": {"filename": "Dockerfile", "data": _b64("FROM a AS Build\n"), "language": "Dockerfile"},
            "range": [{"start": {"line": 2}, "end": {"line": 2, "character": 15}}],
        },
        {"vertex": "sha256:w"},  # omitempty, as Go writes it
    ]
    first, second = from_metadata_warnings({"buildx.build.warnings": out}, {"/ws/Dockerfile": b"FROM a AS Build\n"})
    assert (first.summary, first.file, first.line, first.detail) == (
        "Stage name 'Build' should be lowercase", "/ws/Dockerfile", 2, "Lowercase names")
    assert (second.summary, second.file) == ("build warning", "")
