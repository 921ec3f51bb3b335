"""Maps the top-level folders onto the `depotci` namespace: folder X is imported as depotci.X."""

import os

from setuptools import find_namespace_packages, setup

FOLDERS = tuple(f for f in ("core", "actions", "gitlab", "server") if os.path.isdir(f))

setup(
    package_dir={f"depotci.{f}": f for f in FOLDERS},
    packages=[
        ".".join(filter(None, ("depotci", f, sub)))
        for f in FOLDERS
        for sub in ("", *find_namespace_packages(where=f, exclude=["*__pycache__*"]))
    ],
)
