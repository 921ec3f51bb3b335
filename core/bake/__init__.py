"""Bake planning: bake files (HCL, JSON, Compose) + targets + overrides + environment -> a BakePlan.

Pure: no disk, network or process-environment access; ``depotci.core.cli.bake`` does the I/O.
"""

from __future__ import annotations

from depotci.core.bake.errors import BakeError
from depotci.core.bake.model import BakePlan, ResolvedGroup, ResolvedTarget
from depotci.core.bake.plan import PlanOptions, plan_bake

__all__ = ["BakeError", "BakePlan", "PlanOptions", "ResolvedGroup", "ResolvedTarget", "plan_bake"]
