"""The structural part of an HCL file: a Body of attributes and blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from depotci.core.bake.hcl.diag import Source
from depotci.core.bake.hcl.nodes import Node

__all__ = ["Attr", "Block", "Body"]


@dataclass(slots=True)
class Attr:
    """``name = expr``; ``start``/``end`` cover the whole definition."""

    name: str
    expr: Node
    src: Source
    start: int
    end: int


@dataclass(slots=True)
class Block:
    """``type "label" ... { body }``; ``open`` is the offset of the opening brace."""

    type: str
    labels: list[str]
    label_ranges: list[tuple[int, int]]
    body: Body
    src: Source
    start: int
    open: int


@dataclass(slots=True)
class Body:
    """Attributes by name (in source order) and blocks in source order."""

    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
