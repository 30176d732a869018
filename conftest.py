"""Root pytest configuration: skip modules whose optional extra is missing.

The test files skip themselves; this keeps ``--doctest-modules`` from importing
``weaklabel.trainer`` without torch or ``weaklabel.scale`` without dask.
"""

from __future__ import annotations

import importlib.util

collect_ignore: list[str] = []
if importlib.util.find_spec("torch") is None:
    collect_ignore += [
        "weaklabel/trainer",
        "weaklabel/textmodel.py",
        "weaklabel/demo.py",
        "weaklabel/align",
    ]
if importlib.util.find_spec("dask") is None:
    collect_ignore += ["weaklabel/scale"]
