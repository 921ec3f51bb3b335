"""The client side of local cache directories: index.json in and out, the resolved plan, the stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from depotci.core.buildopts.model import CacheEntry
from depotci.core.buildopts.plan import cache_imports_attr
from depotci.core.buildopts.plan_model import SolvePlan
from depotci.core.commands.local_cache import (
    finish_local_caches,
    prepare_local_caches,
    store_dirs,
    sync_cache_imports,
)
from depotci.core.commands.oci_index import put_index
from depotci.core.errors import InputError

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
INDEX_MT = "application/vnd.oci.image.index.v1+json"


def plan(imports: tuple[CacheEntry, ...] = (), exports: tuple[CacheEntry, ...] = ()) -> SolvePlan:
    attrs = {"cache-imports": cache_imports_attr(imports)} if imports else {}
    return SolvePlan("dockerfile.v0", attrs, (), imports, exports, (), {}, (), ())


def local(key: str, directory: Path, **extra: str) -> CacheEntry:
    return CacheEntry("local", tuple(sorted({key: str(directory), **extra}.items())))


def desc(digest: str, size: int = 895) -> dict[str, object]:
    return {"mediaType": INDEX_MT, "digest": digest, "size": size}


def test_put_index_writes_what_buildkit_writes(tmp_path: Path) -> None:
    put_index(str(tmp_path), desc(D1), "latest")
    assert (tmp_path / "oci-layout").read_text() == '{"imageLayoutVersion":"1.0.0"}'
    assert (tmp_path / "index.json").read_text() == (
        '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"'
        + D1
        + '","size":895,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}'
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json", "oci-layout"]  # no temp or lock file left


@pytest.mark.parametrize(
    ("tags", "want"),
    [
        (["latest", "latest"], [(D2, "latest")]),
        (["a", "b"], [(D1, "a"), (D2, "b")]),
        (["", ""], [(D1, None), (D2, None)]),
    ],
)
def test_put_index_replaces_the_same_tag(tmp_path: Path, tags: list[str], want: list[tuple[str, str | None]]) -> None:
    for digest, tag in zip((D1, D2), tags, strict=True):
        put_index(str(tmp_path), desc(digest), tag)
    index = json.loads((tmp_path / "index.json").read_text())
    got = [(m["digest"], m.get("annotations", {}).get("org.opencontainers.image.ref.name")) for m in index["manifests"]]
    assert got == want


def test_prepare_resolves_tags_and_drops_unreadable_imports(tmp_path: Path) -> None:
    good, missing, empty = tmp_path / "good", tmp_path / "missing", tmp_path / "empty"
    empty.mkdir()
    put_index(str(good), desc(D1), "latest")
    put_index(str(good), desc(D2), "v2")
    registry = CacheEntry("registry", (("ref", "r/x:c"),))
    imports = (local("src", good), local("src", good, tag="v2"), local("src", missing), local("src", empty), registry)
    resolved, warnings = prepare_local_caches(plan(imports))
    assert [e.attr_dict().get("digest") for e in resolved.cache_imports] == [D1, D2, None]
    assert resolved.frontend_attrs["cache-imports"] == cache_imports_attr(resolved.cache_imports)
    assert warnings == (
        f"local cache import at {missing} not found due to err: could not lock {missing}/index.json.lock: "
        f"open {missing}/index.json.lock: no such file or directory",
        f"local cache import at {empty} not found due to err: could not read {empty}/index.json: "
        f"open {empty}/index.json: no such file or directory",
    )
    assert not missing.exists()
    assert sorted(p.name for p in empty.iterdir()) == []
    assert store_dirs([resolved]) == {f"local:{good}": str(good)}
    assert sync_cache_imports({"cache-imports": "old", "x": "1"}, resolved) == {
        "x": "1",
        "cache-imports": resolved.frontend_attrs["cache-imports"],
    }


def test_prepare_drops_the_attr_when_no_import_is_left(tmp_path: Path) -> None:
    resolved, warnings = prepare_local_caches(plan((local("src", tmp_path / "none"),)))
    assert (resolved.cache_imports, len(warnings)) == ((), 1)
    assert "cache-imports" not in resolved.frontend_attrs
    assert sync_cache_imports({"cache-imports": "old"}, resolved) == {}


@pytest.mark.parametrize("tag", ["nope", ""])
def test_prepare_refuses_a_tag_missing_from_the_index(tmp_path: Path, tag: str) -> None:
    put_index(str(tmp_path), desc(D1), "latest")
    with pytest.raises(InputError, match=f"no cache tagged '{tag}'"):
        prepare_local_caches(plan((local("src", tmp_path, tag=tag),)))


def test_an_explicit_digest_skips_the_index(tmp_path: Path) -> None:
    entry = local("src", tmp_path / "absent", digest=D2)
    resolved, warnings = prepare_local_caches(plan((entry,)))
    assert (resolved.cache_imports, warnings) == ((entry,), ())


def test_prepare_creates_dest_and_refuses_a_file(tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b"
    prepare_local_caches(plan(exports=(local("dest", dest),)))
    assert dest.is_dir()
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(InputError, match=f"'{afile}' is not a directory"):
        prepare_local_caches(plan(exports=(local("dest", afile),)))


def test_finish_puts_the_cache_manifest_into_every_local_export(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    exports = (local("dest", one), local("dest", two, tag="t"), CacheEntry("inline"))
    p = plan(exports=exports)
    finish_local_caches(p, {})
    assert not one.exists()
    finish_local_caches(p, {"cache.manifest": json.dumps(desc(D1))})
    for path, tag in ((one, "latest"), (two, "t")):
        (m,) = json.loads((path / "index.json").read_text())["manifests"]
        assert (m["digest"], m["annotations"]) == (D1, {"org.opencontainers.image.ref.name": tag})
    assert store_dirs([p]) == {f"local:{one}": str(one), f"local:{two}": str(two)}
