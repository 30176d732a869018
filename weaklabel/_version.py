"""The installed version of weaklabel, read from the package metadata.

``pyproject.toml`` is the one place the version is written; this module reads
it back with :mod:`importlib.metadata`, so that modules which record the
version (saved model files, the CLI's ``--version``) need not import the
top-level package.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__: str = version("weaklabel")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0+unknown"
