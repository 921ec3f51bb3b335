"""moby/patternmatcher semantics (cases follow upstream's patternmatcher_test.go) and filepath.Match."""

from __future__ import annotations

import time

import pytest
from depotci.core.buildkit.session import gopath
from depotci.core.buildkit.session.patterns import MatchInfo, PatternMatcher, compile_pattern
from depotci.core.errors import InputError

EXACT, PARENT, FAIL = "exact", "parent", "fail"

SINGLE = [
    ("**", "file", EXACT),
    ("**", "file/", EXACT),
    ("**/", "file", EXACT),
    ("**", "/", EXACT),
    ("**", "dir/file", EXACT),
    ("**/**", "dir/file", EXACT),
    ("dir/**", "dir/file", EXACT),
    ("dir/**", "dir/dir2/file/", EXACT),
    ("**/dir", "dir", EXACT),
    ("**/dir", "dir/file", PARENT),
    ("**/dir2/*", "dir/dir2/file", EXACT),
    ("**/dir2/*", "dir/dir2/file/", PARENT),
    ("**/dir2/**", "dir/dir2/dir3/file", EXACT),
    ("**file", "file", EXACT),
    ("**file", "dir/file", EXACT),
    ("**file", "xfile", EXACT),  # suffix match: upstream quirk, "**foo" is endswith("foo")
    ("**/file", "dir/dir/file", EXACT),
    ("**/file", "xfile", FAIL),
    ("**/file*", "dir/dir/file.txt", EXACT),
    ("**/file*.txt*", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt2", "dir/dir/file.txt", FAIL),
    ("**/*.txt", "file.txt", EXACT),
    ("a**/*.txt", "a/dir/dir/file.txt", EXACT),
    ("a/*.txt", "a/dir/file.txt", FAIL),
    ("a/*.txt", "a/file.txt", EXACT),
    ("a/*.txt**", "a/file.txt", EXACT),
    ("a[b-d]e", "ae", FAIL),
    ("a[b-d]e", "ace", EXACT),
    ("a[^b-d]e", "aze", EXACT),
    ("a[^b-d]e", "ace", FAIL),
    (".*", ".foo", EXACT),
    (".*", "foo", FAIL),
    ("abc.def", "abcdef", FAIL),
    ("abc.def", "abc.def", EXACT),
    ("abc?def", "abcZdef", EXACT),
    ("abc?def", "abc/def", FAIL),
    ("**/foo/bar", "dir/dir2/foo/bar", EXACT),
    ("abc/**", "abc", FAIL),
    ("abc/**", "abc/def/ghi", EXACT),
    ("**/.foo", "bar.foo", FAIL),
    ("a(b)c/def", "a(b)c/def", EXACT),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", EXACT),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT),
    ("a\\\\", "a\\", EXACT),
    ("a\\*b", "a*b", EXACT),
    ("a\\*b", "axb", FAIL),
    ("docs/", "docs/README.md", PARENT),  # trailing slash cleaned away
    ("/docs", "docs", FAIL),  # a leading slash is kept by patternmatcher
    ("*", "a/b", PARENT),
    ("a^b", "a^b", EXACT),  # exact kind: plain string equality
    ("a^b*", "a^bc", FAIL),  # regexp kind: Go's "^" is an anchor
    ("[*]", "[^/]", EXACT),  # Go's regex text "[[^/]*]" read the same way by both engines
    ("**/x", "a\nb/x", EXACT),
    ("*.txt", "a\n.txt", EXACT),  # [^/] matches a newline, as in RE2
    ("a/**/b", "a/b", EXACT),
    ("a/**/b", "a/x/y/b", EXACT),
    ("\\d", "7", EXACT),  # escapes pass into the regex, as upstream (RE2's \d)
]

MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (["**", "!dist/*.whl"], "dist/x.whl", False),
    (["docs", "!docs/README.md"], "docs/README.md", False),
    (["docs/*", "!docs/README.md"], "docs/README.md", False),
    (["docs/", "!docs/README.md"], "docs/other.md", True),
    (["!fileutils.go", "*.go"], "fileutils.go", True),
    (["*.go", "!fileutils.go"], "fileutils.go", False),
    ([" docs ", "  !docs/README.md  "], "docs/README.md", False),
    (["", "  "], "anything", False),
]


def _with_parents(pm: PatternMatcher, path: str) -> bool:
    """MatchesUsingParentResults down the path, as a walker calls it."""
    info: MatchInfo | None = None
    parent = path.rpartition("/")[0]
    parts = parent.split("/") if parent else []
    for i in range(1, len(parts) + 1):
        _, info = pm.matches("/".join(parts[:i]), info)
    return pm.matches(path, info)[0]


@pytest.mark.parametrize(("pattern", "path", "want"), SINGLE)
def test_single_pattern(pattern: str, path: str, want: str) -> None:
    p = compile_pattern(pattern)
    assert p is not None
    assert p.matches(path) is (want == EXACT)
    pm = PatternMatcher([pattern])
    assert pm.matches_or_parent_matches(path) is (want != FAIL)
    assert pm.matches(path)[0] is (want != FAIL)  # no parent info: parents are tried
    assert _with_parents(pm, path) is (want != FAIL)


@pytest.mark.parametrize(("patterns", "path", "want"), MULTI)
def test_multiple_patterns(patterns: list[str], path: str, want: bool) -> None:
    pm = PatternMatcher(patterns)
    assert pm.matches_or_parent_matches(path) is want
    assert _with_parents(pm, path) is want


@pytest.mark.parametrize(
    ("pattern", "kind", "regex"),
    [
        ("*", "regexp", "[^/]*"),
        ("a*/b", "regexp", "a[^/]*/b"),
        ("**", "suffix", None),
        ("**/**", "regexp", "(.*/)?.*"),
        ("dir/**", "prefix", None),
        ("**/dir", "suffix", None),
        ("**/dir2/*", "regexp", "(.*/)?dir2/[^/]*"),
        ("**/**/*.txt", "regexp", "(.*/)?(.*/)?[^/]*\\.txt"),
        ("a[b-d]e", "regexp", "a[b-d]e"),
        ("abc.def", "exact", None),
        ("a.|)$(}+{bc", "exact", None),
        ("!x/", "exact", None),
    ],
)
def test_compile_kind_and_regex(pattern: str, kind: str, regex: str | None) -> None:
    p = compile_pattern(pattern)
    assert p is not None
    assert p.kind == kind
    if regex is not None:
        assert p.regex == regex


@pytest.mark.parametrize(
    ("raw", "text", "exclusion", "trimmed"),
    [
        ("  !docs/README.md ", "docs/README.md", True, "docs/README.md"),
        ("a/b/../c//", "a/c", False, "a/c"),
        ("foo/**", "foo/**", False, "foo"),
        ("foo/*", "foo/*", False, "foo"),
        ("./x", "x", False, "x"),
    ],
)
def test_cleaning(raw: str, text: str, exclusion: bool, trimmed: str) -> None:
    p = compile_pattern(raw)
    assert p is not None
    assert (p.text, p.exclusion, p.without_trailing_glob()) == (text, exclusion, trimmed)


@pytest.mark.parametrize("bad", ["!", "[", "a[", "[^bc", "\\", "[]a]", "[-]", "[x-]", "[a-b-c]", "\\q"])
def test_invalid_patterns(bad: str) -> None:
    with pytest.raises(InputError):
        PatternMatcher(["ok", bad])


def test_blank_patterns_dropped_and_exclusions_flag() -> None:
    pm = PatternMatcher(["docs", "", "  !docs/README.md"])
    assert [p.text for p in pm.patterns] == ["docs", "docs/README.md"]
    assert pm.exclusions is True
    assert PatternMatcher(["docs"]).exclusions is False


def test_parent_info_propagates_matches() -> None:
    pm = PatternMatcher(["node_modules", "!node_modules/keep"])
    matched, info = pm.matches("node_modules")
    assert (matched, info) == (True, (True, False))
    assert pm.matches("node_modules/keep", info) == (False, (True, True))
    assert pm.matches("node_modules/other", info) == (True, (True, False))
    # once a parent matched an exception, its children stay included
    assert pm.matches("node_modules/keep/x", (True, True))[0] is False


def test_parent_info_length_checked() -> None:
    with pytest.raises(ValueError):
        PatternMatcher(["a", "b"]).matches("a/x", (True,))


@pytest.mark.parametrize(
    ("pattern", "name", "want"),
    [
        ("abc", "abc", True),
        ("*c", "abc", True),
        ("a*", "ab/c", False),
        ("a*/b", "abc/b", True),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
        ("a*b?c*x", "abxbbxdbxebxczzx", True),
        ("a*b?c*x", "abxbbxdbxebxczzy", False),
        ("ab[^e-g]", "abc", True),
        ("a?b", "a☺b", True),
        ("[a-ζ]*", "\u03b1", True),  # alpha
        ("a?b", "a/b", False),
        ("[\\]a]", "]", True),
        ("[x\\-]", "-", True),
        ("[\\-x]", "a", False),
        ("*x", "xxx", True),
    ],
)
def test_go_filepath_match(pattern: str, name: str, want: bool) -> None:
    assert gopath.match(pattern, name) is want


@pytest.mark.parametrize("bad", ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a["])
def test_go_filepath_match_bad(bad: str) -> None:
    with pytest.raises(gopath.BadPatternError):
        gopath.match(bad, "a")


@pytest.mark.parametrize(
    ("path", "want"),
    [("", "."), ("//a//b/", "/a/b"), ("a/../..", ".."), ("/..", "/"), ("./a/./b", "a/b")],
)
def test_go_clean(path: str, want: str) -> None:
    assert gopath.clean(path) == want


def test_matching_is_fast() -> None:
    pm = PatternMatcher(["**/*.tmp", "node_modules", "!node_modules/keep", "*.log", "build/**"])
    _, info = pm.matches("src")
    paths = [f"src/pkg{i % 300}/file{i}.py" for i in range(200_000)]
    start = time.perf_counter()
    hits = sum(pm.matches(p, info)[0] for p in paths)
    elapsed = time.perf_counter() - start
    assert hits == 0
    assert elapsed < 1.0, f"200k matches took {elapsed:.2f}s"
