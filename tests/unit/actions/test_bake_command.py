from __future__ import annotations

import pytest
from depotci.actions.bake_command import bake_namespace
from depotci.core.errors import UsageError


def test_bake_namespace_uses_the_cli_flag_set() -> None:
    ns = bake_namespace(["--progress", "plain", "--file", "a.hcl", "--set", "*.tags=x", "--push", "app", "tools"])
    assert (ns.files, ns.overrides, ns.push, ns.targets, ns.progress) == (["a.hcl"], ["*.tags=x"], True, ["app", "tools"], "plain")


def test_bake_namespace_refuses_unknown_flags() -> None:
    with pytest.raises(UsageError, match="invalid action inputs: unrecognized arguments: --nope"):
        bake_namespace(["--nope"])
