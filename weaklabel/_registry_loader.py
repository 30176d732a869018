"""Import an LF module from a file and find the ``LFRegistry`` it defines.

Used by the command line (``--lfs FILE``) and the demo; public as
``weaklabel.load_registry``.  Importing a module runs its code: LF modules are
code, to be loaded only from sources you trust.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from pathlib import Path
from types import ModuleType

from weaklabel.exceptions import WeakLabelError
from weaklabel.lf import LFRegistry

__all__ = ["load_registry"]


def _load_module(path: str | os.PathLike[str]) -> ModuleType:
    p = Path(path)
    if not p.is_file():
        raise WeakLabelError(
            f"LF module {str(p)!r} does not exist; check the path (--lfs in the CLI)."
        )
    name = f"_weaklabel_lfs_{p.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise WeakLabelError(f"Cannot import {str(p)!r} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # lets joblib/cloudpickle find it again
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise WeakLabelError(
            f"Importing LF module {str(p)!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return module


def load_registry(path: str | os.PathLike[str], name: str | None = None) -> LFRegistry:
    """Import an LF module from a file and return the ``LFRegistry`` it defines.

    The module's code runs (as ``import`` does): load LF modules only from
    sources you trust.

    Parameters
    ----------
    path : str or os.PathLike
        A Python file defining one ``LFRegistry`` at module level.
    name : str, default=None
        The variable name of the registry when the module defines several.

    Returns
    -------
    LFRegistry

    Raises
    ------
    WeakLabelError
        No such file, the import failed, or not exactly one registry (or none
        called ``name``).
    """
    module = _load_module(path)
    found = {k: v for k, v in vars(module).items() if isinstance(v, LFRegistry)}
    if name is not None:
        if name not in found:
            raise WeakLabelError(
                f"LF module {str(path)!r} has no LFRegistry named {name!r}; it"
                f" defines {sorted(found) or 'none'}."
            )
        return found[name]
    if len(found) != 1:
        what = sorted(found) if found else "none"
        raise WeakLabelError(
            f"LF module {str(path)!r} must define exactly one LFRegistry (found"
            f" {what}); pick one by name (--registry NAME in the CLI)."
        )
    return next(iter(found.values()))
