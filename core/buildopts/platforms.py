"""``--platform`` values, parsed and normalised like containerd 1.7 ``platforms.Parse`` + ``Normalize``.

What buildx sends to BuildKit is ``platforms.Format(platforms.Normalize(platforms.Parse(s)))``:
``arm64`` → ``linux/arm64`` (the ``v8`` variant is dropped), ``linux/arm`` → ``linux/arm/v7``,
``x86_64`` → ``linux/amd64``, ``local`` → the client's own platform.
"""

from __future__ import annotations

import platform as _stdlib_platform
import re
import sys

from depotci.core.buildopts.fields import bad_value
from depotci.core.buildopts.model import Platform

__all__ = ["host_platform", "normalize_platform", "parse_platform", "parse_platforms"]

_COMPONENT = re.compile(r"^[A-Za-z0-9_-]+$")

_KNOWN_OS = frozenset(
    [
        "aix",
        "android",
        "darwin",
        "dragonfly",
        "freebsd",
        "hurd",
        "illumos",
        "ios",
        "js",
        "linux",
        "nacl",
        "netbsd",
        "openbsd",
        "plan9",
        "solaris",
        "wasip1",
        "windows",
        "zos",
    ]
)
_KNOWN_ARCH = frozenset(
    [
        "386",
        "amd64",
        "amd64p32",
        "arm",
        "armbe",
        "arm64",
        "arm64be",
        "ppc64",
        "ppc64le",
        "loong64",
        "mips",
        "mipsle",
        "mips64",
        "mips64le",
        "mips64p32",
        "mips64p32le",
        "ppc",
        "riscv",
        "riscv64",
        "s390",
        "s390x",
        "sparc",
        "sparc64",
        "wasm",
    ]
)
_EXPECTED = "expected os[/arch[/variant]] such as linux/amd64 or linux/arm64"


def _normalize_os(os_name: str) -> str:
    os_name = os_name.lower()
    return "darwin" if os_name == "macos" else os_name


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        return "arm64", "" if variant in ("8", "v8") else variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            return "arm", "v7"
        if variant in ("5", "6", "8"):
            return "arm", "v" + variant
    return arch, variant


def host_platform() -> Platform:
    """The platform this process runs on (Go's ``runtime.GOOS``/``GOARCH`` equivalent)."""
    os_name = {"win32": "windows", "cygwin": "windows"}.get(sys.platform, sys.platform)
    os_name = "linux" if os_name.startswith("linux") else os_name
    machine = _stdlib_platform.machine().lower()
    if machine.startswith("armv") and machine[4:5].isdigit():
        return Platform(os_name, "arm", "v" + machine[4])
    arch, variant = _normalize_arch({"i686": "386", "i586": "386"}.get(machine, machine), "")
    return Platform(os_name, arch, "" if arch == "arm64" else variant)


def parse_platform(spec: str, *, host: Platform, flag: str = "--platform") -> Platform:
    """containerd ``platforms.Parse``: one specifier, not yet normalised. ``host`` fills gaps."""
    if spec.lower() == "local":
        return host
    if "*" in spec:
        raise bad_value(flag, spec, "wildcards are not supported")
    parts = spec.split("/")
    for part in parts:
        if not _COMPONENT.match(part):
            raise bad_value(flag, spec, f"'{part}' is not a valid platform component; {_EXPECTED}")
    if len(parts) == 1:
        os_name = _normalize_os(parts[0])
        if os_name in _KNOWN_OS:
            return Platform(os_name, host.architecture, host.variant if host.architecture == "arm" else "")
        arch, variant = _normalize_arch(parts[0], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        if arch in _KNOWN_ARCH:
            return Platform(host.os, arch, variant)
        raise bad_value(flag, spec, f"unknown operating system or architecture; {_EXPECTED}")
    if len(parts) == 2:
        arch, variant = _normalize_arch(parts[1], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        return Platform(_normalize_os(parts[0]), arch, variant)
    if len(parts) == 3:
        arch, variant = _normalize_arch(parts[1], parts[2])
        if arch == "arm64" and variant == "":
            variant = "v8"
        return Platform(_normalize_os(parts[0]), arch, variant)
    raise bad_value(flag, spec, f"too many components; {_EXPECTED}")


def normalize_platform(p: Platform) -> Platform:
    """containerd ``platforms.Normalize``."""
    arch, variant = _normalize_arch(p.architecture, p.variant)
    return Platform(_normalize_os(p.os), arch, variant)


def parse_platforms(values: list[str] | tuple[str, ...], *, host: Platform) -> tuple[Platform, ...]:
    """buildx ``platformutil.Parse``: each value may itself be comma-separated; each is normalised.

    Duplicates are kept out (first wins), since BuildKit would build the same platform twice.
    """
    out: list[Platform] = []
    for value in values:
        for spec in value.split(","):
            if spec == "":
                raise bad_value("--platform", value, f"empty platform; {_EXPECTED}")
            p = normalize_platform(parse_platform(spec, host=host))
            if p not in out:
                out.append(p)
    return tuple(out)
