"""Flag value parsers: buildx v0.13 semantics and the exact one-line errors."""

from __future__ import annotations

import pytest
from depotci.core.buildopts.fields import parse_go_bool, split_csv, split_string_slice
from depotci.core.buildopts.model import (
    Annotation,
    AttestSpec,
    CacheEntry,
    ExportSpec,
    HostEntry,
    NamedContext,
    Platform,
    SecretSpec,
    SSHSpec,
    Ulimit,
)
from depotci.core.buildopts.parse import (
    canonicalize_attest,
    parse_add_host,
    parse_allow,
    parse_annotation,
    parse_attests,
    parse_build_context,
    parse_cache_entry,
    parse_key_values,
    parse_network,
    parse_output,
    parse_secret,
    parse_shm_size,
    parse_ssh,
    parse_tag,
    parse_ulimit,
)
from depotci.core.errors import UsageError

CWD = "/w"


@pytest.mark.parametrize(
    ("value", "fields"),
    [
        ("a,b", ["a", "b"]),
        ('type=local,"dest=a,b"', ["type=local", "dest=a,b"]),
        ('"a""b",c', ['a"b', "c"]),
        ("a,", ["a", ""]),
        ("a,,b", ["a", "", "b"]),
    ],
)
def test_split_csv(value: str, fields: list[str]) -> None:
    assert split_csv("--x", value) == fields


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('a"b', "invalid --x value 'a\"b': bare \" in the unquoted field 'a\"b'"),
        ('"a"x', 'invalid --x value \'"a"x\': extraneous " in a quoted field'),
        ('"open', "invalid --x value '\"open': a quoted field is not closed with \""),
        ("", "invalid --x value '': the value is empty"),
    ],
)
def test_split_csv_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        split_csv("--x", value)
    assert str(exc.value) == message


def test_split_string_slice_splits_every_occurrence() -> None:
    assert split_string_slice("--allow", ["network.host,security.insecure", "", "x"]) == [
        "network.host",
        "security.insecure",
        "x",
    ]


@pytest.mark.parametrize(("text", "want"), [("1", True), ("True", True), ("f", False), ("yes", None)])
def test_parse_go_bool(text: str, want: bool | None) -> None:
    assert parse_go_bool(text) is want


@pytest.mark.parametrize(
    ("value", "env", "want"),
    [
        ("id=tok,src=secret.txt", {}, SecretSpec("tok", src="/w/secret.txt")),
        ("id=tok,source=/abs/s", {}, SecretSpec("tok", src="/abs/s")),
        ("id=tok,env=TOKEN", {}, SecretSpec("tok", env="TOKEN")),
        ("type=env,id=tok,src=TOKEN", {}, SecretSpec("tok", env="TOKEN")),
        ("type=env,id=TOKEN", {}, SecretSpec("TOKEN", src="/w/TOKEN")),
        ("id=TOKEN", {"TOKEN": "x"}, SecretSpec("TOKEN", env="TOKEN")),  # bare id: env var when set
        ("id=TOKEN", {}, SecretSpec("TOKEN", src="/w/TOKEN")),  # else a file named like the id
        ("ID=a,SRC=f", {}, SecretSpec("a", src="/w/f")),
    ],
)
def test_parse_secret(value: str, env: dict[str, str], want: SecretSpec) -> None:
    assert parse_secret(value, env, CWD) == want


FORM = "expected id=ID[,src=PATH|env=VAR][,type=file|env]"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("foo", f"invalid --secret value 'foo': 'foo' is not a key=value pair; {FORM}"),
        ("src=f", f"invalid --secret value 'src=f': the id is missing; {FORM}"),
        ("id=a,type=ssh", f"invalid --secret value 'id=a,type=ssh': unsupported secret type 'ssh'; {FORM}"),
        ("id=a,mode=1", f"invalid --secret value 'id=a,mode=1': unexpected key 'mode'; {FORM}"),
    ],
)
def test_parse_secret_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_secret(value, {}, CWD)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "env", "want"),
    [
        ("default", {"SSH_AUTH_SOCK": "/run/agent.sock"}, SSHSpec("default", ("/run/agent.sock",))),
        ("", {"SSH_AUTH_SOCK": "/run/a"}, SSHSpec("default", ("/run/a",))),
        ("git=keys/id_rsa,/k2", {}, SSHSpec("git", ("/w/keys/id_rsa", "/k2"))),
        ("=/sock", {}, SSHSpec("default", ("/sock",))),
    ],
)
def test_parse_ssh(value: str, env: dict[str, str], want: SSHSpec) -> None:
    assert parse_ssh(value, env, CWD) == want


def test_parse_ssh_without_agent() -> None:
    with pytest.raises(UsageError) as exc:
        parse_ssh("default", {}, CWD)
    assert (
        str(exc.value) == "invalid --ssh value 'default': no socket or key given and SSH_AUTH_SOCK is not set"
    )


@pytest.mark.parametrize(
    ("flag", "values", "env", "want"),
    [
        ("--build-arg", ["A=1", "B=", "C=x=y"], {}, (("A", "1"), ("B", ""), ("C", "x=y"))),
        ("--build-arg", ["HOME", "MISSING"], {"HOME": "/root"}, (("HOME", "/root"),)),
        ("--build-arg", ["A=1", "A=2"], {}, (("A", "2"),)),
        ("--label", ["a.b=c", "flag"], None, (("a.b", "c"), ("flag", ""))),
    ],
)
def test_parse_key_values(
    flag: str, values: list[str], env: dict[str, str] | None, want: tuple[tuple[str, str], ...]
) -> None:
    assert parse_key_values(flag, values, env) == want


def test_parse_key_values_empty_key() -> None:
    with pytest.raises(UsageError) as exc:
        parse_key_values("--build-arg", ["=v"], {})
    assert str(exc.value) == "invalid --build-arg value '=v': the key is empty; expected KEY=VALUE or KEY"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("out", ExportSpec("local", (), "/w/out")),
        ("-", ExportSpec("tar", (), "-")),
        ("type=local,dest=out", ExportSpec("local", (), "/w/out")),
        ("type=tar", ExportSpec("tar", (), "-")),
        ("type=tar,dest=/tmp/x.tar", ExportSpec("tar", (), "/tmp/x.tar")),
        ("type=registry", ExportSpec("image", (("push", "true"),))),
        ("type=registry,push=false", ExportSpec("image", (("push", "false"),))),
        ("type=image,name=r/a,push=true", ExportSpec("image", (("name", "r/a"), ("push", "true")))),
        ("type=docker", ExportSpec("docker", (), "")),  # no dest: load into the engine
        ("type=docker,dest=i.tar", ExportSpec("docker", (), "/w/i.tar")),
        ("type=oci", ExportSpec("oci", (), "-")),
        ("type=oci,dest=d,tar=false", ExportSpec("oci", (("tar", "false"),), "/w/d")),
        ("type=cacheonly", ExportSpec("cacheonly")),
        ("Type=local,DEST=o,Compression=zstd", ExportSpec("local", (("compression", "zstd"),), "/w/o")),
    ],
)
def test_parse_output(value: str, want: ExportSpec) -> None:
    assert parse_output(value, CWD) == want


OUT_FORM = "expected type=TYPE[,key=value...], a directory, or - for a tar on stdout"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "type=foo",
            "invalid --output value 'type=foo': unknown output type 'foo'; expected one of image, "
            "registry, local, tar, oci, docker, cacheonly",
        ),
        ("a,b", f"invalid --output value 'a,b': 'a' is not a key=value pair; {OUT_FORM}"),
        ("dest=x,push=true", f"invalid --output value 'dest=x,push=true': the type is missing; {OUT_FORM}"),
        (
            "type=local",
            "invalid --output value 'type=local': dest is required for the local exporter; expected dest=DIR",
        ),
        (
            "type=local,dest=-",
            "invalid --output value 'type=local,dest=-': stdout is not a directory for the "
            "local exporter; expected dest=DIR",
        ),
    ],
)
def test_parse_output_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_output(value, CWD)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("flag", "value", "want"),
    [
        ("--cache-from", "user/app:cache", (CacheEntry("registry", (("ref", "user/app:cache"),)),)),
        (
            "--cache-from",
            "a:c,b:c",
            (CacheEntry("registry", (("ref", "a:c"),)), CacheEntry("registry", (("ref", "b:c"),))),
        ),
        ("--cache-from", "type=local,src=cache", (CacheEntry("local", (("src", "/w/cache"),)),)),
        (
            "--cache-to",
            "type=local,dest=/c,mode=max",
            (CacheEntry("local", (("dest", "/c"), ("mode", "max"))),),
        ),
        ("--cache-to", "type=inline", (CacheEntry("inline"),)),
        ("--cache-to", "type=gha,scope=x", (CacheEntry("gha", (("scope", "x"),)),)),
    ],
)
def test_parse_cache_entry(flag: str, value: str, want: tuple[CacheEntry, ...]) -> None:
    assert parse_cache_entry(flag, value, CWD) == want


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--cache-to", "type=local", "invalid --cache-to value 'type=local': the local cache needs dest=DIR"),
        (
            "--cache-from",
            "type=local,dest=x",
            "invalid --cache-from value 'type=local,dest=x': the local cache needs src=DIR",
        ),
        (
            "--cache-to",
            "type=registry",
            "invalid --cache-to value 'type=registry': the registry cache needs ref=REF",
        ),
        (
            "--cache-from",
            "mode=max",
            "invalid --cache-from value 'mode=max': the type is missing; expected REF or "
            "type=TYPE[,key=value...]",
        ),
    ],
)
def test_parse_cache_entry_errors(flag: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_cache_entry(flag, value, CWD)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("h:1.2.3.4", HostEntry("h", "1.2.3.4")),
        ("h=1.2.3.4", HostEntry("h", "1.2.3.4")),
        ("h:::1", HostEntry("h", "::1")),
        ("h=[fe80::1]", HostEntry("h", "fe80::1")),
        ("host.docker.internal:host-gateway", HostEntry("host.docker.internal", "host-gateway")),
    ],
)
def test_parse_add_host(value: str, want: HostEntry) -> None:
    assert parse_add_host(value) == want


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nohost", "invalid --add-host value 'nohost': expected host:ip"),
        (":1.2.3.4", "invalid --add-host value ':1.2.3.4': expected host:ip"),
        (
            "h:notanip",
            "invalid --add-host value 'h:notanip': 'notanip' is not an IP address; expected host:ip",
        ),
    ],
)
def test_parse_add_host_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_add_host(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("nofile=1024:2048", Ulimit("nofile", 1024, 2048)),
        ("nproc=512", Ulimit("nproc", 512, 512)),
        ("memlock=-1:-1", Ulimit("memlock", -1, -1)),
        ("core=0:-1", Ulimit("core", 0, -1)),
    ],
)
def test_parse_ulimit(value: str, want: Ulimit) -> None:
    assert parse_ulimit(value) == want
    assert str(want) == f"{want.name}={want.soft}:{want.hard}"


ULIMIT_FORM = "expected name=soft[:hard], e.g. nofile=1024:2048"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nofile", f"invalid --ulimit value 'nofile': {ULIMIT_FORM}"),
        ("files=1", f"invalid --ulimit value 'files=1': unknown ulimit type 'files'; {ULIMIT_FORM}"),
        ("nofile=a:b", f"invalid --ulimit value 'nofile=a:b': {ULIMIT_FORM}"),
        ("nofile=1:2:3", f"invalid --ulimit value 'nofile=1:2:3': {ULIMIT_FORM}"),
        ("nofile=10:5", "invalid --ulimit value 'nofile=10:5': the soft limit 10 is above the hard limit 5"),
    ],
)
def test_parse_ulimit_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_ulimit(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("64m", 64 << 20),
        ("64M", 64 << 20),
        ("1g", 1 << 30),
        ("1GiB", 1 << 30),
        ("512kb", 512 << 10),
        ("1.5k", 1536),
        ("2048", 2048),
        ("100b", 100),
        ("2 m", 2 << 20),
    ],
)
def test_parse_shm_size(value: str, want: int) -> None:
    assert parse_shm_size(value) == want


SIZE_FORM = "expected a size such as 64m, 1g or 2147483648"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", f"invalid --shm-size value 'lots': {SIZE_FORM}"),
        ("-1m", f"invalid --shm-size value '-1m': {SIZE_FORM}"),
        ("64x", f"invalid --shm-size value '64x': unknown unit 'x'; {SIZE_FORM}"),
        ("64mbb", f"invalid --shm-size value '64mbb': unknown unit 'mbb'; {SIZE_FORM}"),
    ],
)
def test_parse_shm_size_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_shm_size(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "want"), [("", "default"), ("default", "default"), ("host", "host"), ("none", "none")]
)
def test_parse_network(value: str, want: str) -> None:
    assert parse_network(value) == want


def test_parse_network_error() -> None:
    with pytest.raises(UsageError) as exc:
        parse_network("bridge")
    assert str(exc.value) == (
        "invalid --network value 'bridge': expected default, host or none (BuildKit supports no other modes)"
    )


def test_parse_allow() -> None:
    assert parse_allow(["network.host", "security.insecure", "network.host"]) == (
        "network.host",
        "security.insecure",
    )
    with pytest.raises(UsageError) as exc:
        parse_allow(["device"])
    assert str(exc.value) == "invalid --allow value 'device': expected network.host or security.insecure"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("src=../lib", NamedContext("src", "/lib")),
        ("alpine=docker-image://alpine:3.19", NamedContext("alpine", "docker-image://alpine:3.19")),
        ("docker.io/library/alpine:latest=/x", NamedContext("alpine", "/x")),
        ("docker.io/foo/bar:1=/x", NamedContext("foo/bar:1", "/x")),
        ("reg:5000/app=/x", NamedContext("reg:5000/app", "/x")),
        ("base=target:base", NamedContext("base", "target:base")),
        ("git=https://github.com/o/r.git#main", NamedContext("git", "https://github.com/o/r.git#main")),
        ("oci=oci-layout://./layout", NamedContext("oci", "oci-layout://./layout")),
    ],
)
def test_parse_build_context(value: str, want: NamedContext) -> None:
    assert parse_build_context(value, CWD) == want


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nopath", "invalid --build-context value 'nopath': expected NAME=PATH|docker-image://REF|URL"),
        (
            "Upper=/x",
            "invalid --build-context value 'Upper=/x': invalid context name 'Upper': repository name "
            "must be lowercase",
        ),
        ("a=", "invalid --build-context value 'a=': the path is empty"),
    ],
)
def test_parse_build_context_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_build_context(value, CWD)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "want", "key"),
    [
        (
            "org.opencontainers.image.title=app",
            Annotation("org.opencontainers.image.title", "app"),
            "annotation.org.opencontainers.image.title",
        ),
        ("index:foo=bar", Annotation("foo", "bar", "index"), "annotation-index.foo"),
        (
            "manifest[linux/arm64]:k=v",
            Annotation("k", "v", "manifest", Platform("linux", "arm64")),
            "annotation-manifest[linux/arm64].k",
        ),
        (
            "manifest-descriptor:k=a=b",
            Annotation("k", "a=b", "manifest-descriptor"),
            "annotation-manifest-descriptor.k",
        ),
    ],
)
def test_parse_annotation(value: str, want: Annotation, key: str) -> None:
    got = parse_annotation(value)
    assert got == want
    assert got.exporter_key() == key


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("novalue", "invalid --annotation value 'novalue': expected [type[platform]:]key=value"),
        (
            "layer:k=v",
            "invalid --annotation value 'layer:k=v': unknown type 'layer'; expected index, "
            "index-descriptor, manifest or manifest-descriptor",
        ),
    ],
)
def test_parse_annotation_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_annotation(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    "value", ["app", "reg.io:5000/team/app:1.0", "app@sha256:" + "a" * 64, "localhost/x"]
)
def test_parse_tag(value: str) -> None:
    assert parse_tag(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("App:1", "invalid --tag value 'App:1': repository name must be lowercase; expected name[:tag]"),
        ("app:", "invalid --tag value 'app:': invalid reference format; expected name[:tag]"),
        ("a b", "invalid --tag value 'a b': invalid reference format; expected name[:tag]"),
    ],
)
def test_parse_tag_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_tag(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("kind", "value", "want"),
    [
        ("provenance", "true", "type=provenance,disabled=false"),
        ("provenance", "0", "type=provenance,disabled=true"),
        ("provenance", "mode=max", "type=provenance,mode=max"),
        ("sbom", "generator=img", "type=sbom,generator=img"),
        ("sbom", "", ""),
    ],
)
def test_canonicalize_attest(kind: str, value: str, want: str) -> None:
    assert canonicalize_attest(kind, value) == want


def test_parse_attests() -> None:
    got = parse_attests(
        ["type=sbom,generator=img", "type=provenance,disabled=true"], ["--attest", "--provenance"]
    )
    assert got == (
        AttestSpec("sbom", "type=sbom,generator=img"),
        AttestSpec("provenance", "type=provenance,disabled=true", disabled=True),
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            ["mode=max"],
            "invalid --attest value 'mode=max': the attestation type is missing; expected "
            "type=sbom|provenance",
        ),
        (
            ["type=sbom", "type=sbom"],
            "invalid --attest value 'type=sbom': a sbom attestation is already set (duplicate attestation)",
        ),
        (
            ["type=sbom,disabled=maybe"],
            "invalid --attest value 'type=sbom,disabled=maybe': disabled must be true or false, not 'maybe'",
        ),
        (["sbom"], "invalid --attest value 'sbom': 'sbom' is not a key=value pair; expected type=TYPE[,...]"),
    ],
)
def test_parse_attests_errors(values: list[str], message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_attests(values, ["--attest"] * len(values))
    assert str(exc.value) == message
