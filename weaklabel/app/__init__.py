"""The workbench: a local web app to develop LFs, label rows and watch the label model.

``weaklabel app --data comments.csv --lfs my_lfs.py`` (or ``--demo``) starts
it; see ``docs/workbench.md``.  The engine (:class:`Workbench`) and the
project file (:class:`Project`) are plain Python and need no web framework;
the server (``weaklabel.app.server``) needs the ``app`` extra.
"""

from __future__ import annotations

from weaklabel.app.project import Project, ProjectError
from weaklabel.app.rows import RowFilter
from weaklabel.app.workbench import Workbench

__all__ = ["Project", "ProjectError", "RowFilter", "Workbench"]
