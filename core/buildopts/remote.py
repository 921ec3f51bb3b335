"""Recognising remote build contexts (git and http URLs) without touching the disk.

buildx checks for a local directory first and only then for a URL; we cannot stat here, so a value is
remote when it is unambiguously a URL: ``http(s)://``, ``git://``, ``ssh://``, ``git@host:path``,
``github.com/...``, or ``host/path.git``-style refs that BuildKit's ``gitutil.ParseGitRef`` accepts.
"""

from __future__ import annotations

import re

__all__ = ["is_git_ssh", "is_remote_url"]

_SCP_LIKE = re.compile(r"^[A-Za-z0-9_.+-]+@[A-Za-z0-9_.-]+:(?!//)")
_SCHEMES = ("http://", "https://", "git://", "ssh://")


def is_git_ssh(url: str) -> bool:
    """True when ``url`` is a git remote reached over SSH (``ssh://`` or ``user@host:path``)."""
    return url.startswith("ssh://") or _SCP_LIKE.match(url) is not None


def is_remote_url(value: str) -> bool:
    """True when ``value`` names a git repository or an http(s) URL rather than a local path."""
    if value.startswith(_SCHEMES) or value.startswith("github.com/"):
        return True
    if is_git_ssh(value):
        return True
    if value.startswith(("/", "./", "../", "~")) or "/" not in value:
        return False
    head = value.split("/", 1)[0]
    path = value.split("#", 1)[0]
    return "." in head and path.endswith(".git")
