"""A small, fast HCL (native and JSON syntax) parser and evaluator for bake files.

Written for speed and exact positions: ``parse_hcl``/``parse_json`` turn text into a ``Body`` of attributes
and blocks whose expressions evaluate against a ``Scope``; every error is a ``Diag`` carrying an HCL range.
"""
