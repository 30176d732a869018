"""The workbench's engine: data, LFs, votes and the label model behind the pages.

:class:`Workbench` is a plain Python object; the web server is a thin layer
over it.  It reads the data once (never writes it), imports the user's LF
module, applies the LFs and the project's accepted rules, fits the label
model with the labels given so far, and answers the pages' questions: the LF
table, filtered row pages, the labeling queue and rule previews.  Applying
and fitting run in one background thread with visible progress; the pages
keep reading the last complete state meanwhile.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.app.project import Project, ProjectError, Rule
from weaklabel.app.rows import RowFilter, TextIndex, conflict_mask, filter_mask
from weaklabel.app.rules import ColumnEmbeddings, RulePreview, preview_rule, rule_mask
from weaklabel.exceptions import WeakLabelError
from weaklabel.typing import ABSTAIN

__all__ = ["JobStatus", "RowFilter", "RulePreview", "Workbench"]

logger = logging.getLogger(__name__)

_RULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass
class JobStatus:
    """The state of the background job (applying LFs or fitting)."""

    kind: str = "none"
    state: str = "idle"  # idle | running | done | failed
    progress: float = 0.0
    message: str = ""
    started: float = 0.0
    finished: float = 0.0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the status as a JSON-ready dict."""
        return dict(vars(self))


class Workbench:
    """The data, the LFs, the votes and the label model of one project.

    Parameters
    ----------
    data : str, Path or DataFrame
        The rows to label (CSV, TSV, Parquet or JSON Lines, or a frame).
        Never modified.
    lfs : str, Path or LFRegistry
        The LF module (a Python file defining one ``LFRegistry``; it is
        imported again on :meth:`reload_lfs`) or a registry object.
    project : str, Path or Project
        The SQLite project file holding labels, rules and runs.
    text_column : str, default="text"
        The column searched by the text filter and the rules.
    registry_name : str, default=None
        Which registry to use when the LF module defines several.
    random_state : int, default=0
        Seed of the label model (fits are deterministic given the labels).
    """

    def __init__(
        self,
        data: str | Path | pd.DataFrame,
        lfs: Any,
        project: str | Path | Project,
        *,
        text_column: str = "text",
        registry_name: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.data_source = data
        self.lfs_source = lfs
        self.project = project if isinstance(project, Project) else Project(project)
        self.text_column = text_column
        self.registry_name = registry_name
        self.random_state = random_state
        self.frame = self._read_data(data)
        if text_column not in self.frame.columns:
            raise WeakLabelError(
                f"The data has no column {text_column!r} to search and write"
                f" rules on; its columns are {list(self.frame.columns)}. Pass"
                " --text-column NAME."
            )
        text = self.frame[text_column]
        self.text: pd.Series = text.where(text.notna(), "").astype(str)
        self._text_frame = pd.DataFrame({text_column: self.text})
        self._text_index = TextIndex(self.text.tolist())
        self._embeddings: ColumnEmbeddings | None = None  # zero-shot rules
        self._lock = threading.RLock()
        self._job_lock = threading.Lock()
        self.job = JobStatus()
        self._thread: threading.Thread | None = None
        self.registry = self._load_registry()
        self.classes: tuple[str, ...] = tuple(self.registry.classes)
        self._check_project_data()
        n = len(self.frame)
        self.lf_names: list[str] = []
        self.lf_votes = np.full((n, 0), ABSTAIN, dtype=np.int8)
        self.rule_names: list[str] = []
        self.rule_votes = np.full((n, 0), ABSTAIN, dtype=np.int8)
        self._L = np.full((n, 0), ABSTAIN, dtype=np.int8)
        self._summary: Any = None  # lf_summary of _L without gold, cached
        self._conflicts: npt.NDArray[np.bool_] | None = None  # cached per _L
        self.model: Any = None
        self.learner: Any = None
        self.fitted_votes = self._L  # the votes the model was fitted on
        self.fitted_names: list[str] = []
        self.proba: npt.NDArray[np.float64] | None = None
        self.fitted_labels = 0
        self.lf_error = ""

    # ----------------------------------------------------------------- set-up
    @staticmethod
    def _read_data(data: str | Path | pd.DataFrame) -> pd.DataFrame:
        if isinstance(data, pd.DataFrame):
            return data.copy()
        from weaklabel.io import read_table

        frame = read_table(data)
        if len(frame) == 0:
            raise WeakLabelError(f"The data file {str(data)!r} has no rows.")
        return frame

    def _load_registry(self) -> Any:
        from weaklabel.lf import LFRegistry

        if isinstance(self.lfs_source, LFRegistry):
            return self.lfs_source
        from weaklabel._registry_loader import load_registry

        return load_registry(self.lfs_source, self.registry_name)

    def _check_project_data(self) -> None:
        """Tie the project to its data: same row count and classes on reopen."""
        n = str(len(self.frame))
        classes = "\t".join(self.classes)
        stored_n = self.project.get_meta("n_rows")
        stored_classes = self.project.get_meta("classes")
        if stored_n is None:
            self.project.set_meta("n_rows", n)
            self.project.set_meta("classes", classes)
            if not isinstance(self.data_source, pd.DataFrame):
                self.project.set_meta("data", str(self.data_source))
            return
        if stored_n != n or stored_classes != classes:
            raise ProjectError(
                f"The project {str(self.project.path)!r} was made for data of"
                f" {stored_n} rows and classes {stored_classes.split(chr(9)) if stored_classes else []};"
                f" this data has {n} rows and the LFs' classes are"
                f" {list(self.classes)}. Open it with the same data and LF module,"
                " or start a new project with another --project path."
            )

    # ------------------------------------------------------------------ state
    @property
    def n_rows(self) -> int:
        """Number of rows in the data."""
        return len(self.frame)

    @property
    def names(self) -> list[str]:
        """The vote matrix's columns: the module's LFs, then the accepted rules."""
        return [*self.lf_names, *self.rule_names]

    @property
    def votes(self) -> npt.NDArray[np.int8]:
        """The vote matrix (n_rows, n_lfs + n_rules), ``ABSTAIN`` = -1.

        Read-only: it is replaced, never changed in place.
        """
        return self._L

    def _set_votes(
        self,
        lf_names: list[str],
        lf_votes: npt.NDArray[np.int8],
        rule_names: list[str],
        rule_votes: npt.NDArray[np.int8],
    ) -> None:
        L = np.hstack([lf_votes, rule_votes]).astype(np.int8)
        L.setflags(write=False)
        with self._lock:
            self.lf_names, self.lf_votes = lf_names, lf_votes
            self.rule_names, self.rule_votes = rule_names, rule_votes
            self._L = L
            self._summary = None
            self._conflicts = None

    def gold(self) -> npt.NDArray[np.int64]:
        """The labels given so far, row-aligned: class index or -1 (unknown)."""
        y = np.full(self.n_rows, -1, dtype=np.int64)
        for position, label in self.project.labels().items():
            if position < self.n_rows:
                y[position] = label
        return y

    # --------------------------------------------------------------- jobs
    def _run_job(
        self, kind: str, work: Callable[[Callable[[float, str], None]], None]
    ) -> None:
        def progress(fraction: float, message: str) -> None:
            self.job.progress = float(min(max(fraction, 0.0), 1.0))
            self.job.message = message

        try:
            work(progress)
        except Exception as exc:  # the page shows it; the server keeps running
            logger.exception("workbench job %s failed", kind)
            self.job.state = "failed"
            self.job.error = f"{type(exc).__name__}: {exc}"
        else:
            self.job.state = "done"
            self.job.progress = 1.0
        finally:
            self.job.finished = time.time()

    def start_job(self, kind: str, *, wait: bool = False) -> JobStatus:
        """Start ``kind`` ("apply", "fit" or "reload") in the background.

        Only one job runs at a time; asking for another while one runs
        returns the running job's status.
        """
        works = {"apply": self._apply_and_fit, "fit": self._fit, "reload": self._reload}
        if kind not in works:
            raise WeakLabelError(
                f"Unknown job {kind!r}; expected one of {sorted(works)}."
            )
        with self._job_lock:
            if self._thread is not None and self._thread.is_alive():
                return self.job
            self.job = JobStatus(kind=kind, state="running", started=time.time())
            self._thread = threading.Thread(
                target=self._run_job,
                args=(kind, works[kind]),
                name=f"weaklabel-{kind}",
                daemon=True,
            )
            self._thread.start()
        if wait:
            self.wait()
        return self.job

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the running job ends (or ``timeout`` seconds pass)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.job

    def _reload(self, progress: Callable[[float, str], None]) -> None:
        progress(0.0, "importing the LF module")
        registry = self._load_registry()
        if tuple(registry.classes) != self.classes:
            raise WeakLabelError(
                f"The reloaded LF module's classes {list(registry.classes)} differ"
                f" from the project's {list(self.classes)}; keep the class list, or"
                " start a new project."
            )
        self.registry = registry
        self._apply_and_fit(progress)

    def _apply_and_fit(self, progress: Callable[[float, str], None]) -> None:
        from weaklabel.apply import apply_lfs

        lfs = list(self.registry)
        columns: list[npt.NDArray[np.int8]] = []
        for i, lf in enumerate(lfs):
            progress(0.8 * i / max(len(lfs), 1), f"applying LF {lf.name}")
            votes = apply_lfs([lf], self.frame, classes=self.classes)
            columns.append(np.asarray(votes.iloc[:, 0], dtype=np.int8))
        lf_votes = (
            np.column_stack(columns)
            if columns
            else np.full((self.n_rows, 0), ABSTAIN, dtype=np.int8)
        )
        progress(0.8, "applying the accepted rules")
        rules = self.project.rules()
        rule_votes = self._rule_matrix(rules)
        self._set_votes(
            [lf.name for lf in lfs], lf_votes, [r.name for r in rules], rule_votes
        )
        progress(0.82, "summarising the LFs")
        self._lf_summary()  # warm the caches the pages read
        self.conflicts()
        self._fit(progress, start=0.85)

    def _rule_matrix(self, rules: Sequence[Rule]) -> npt.NDArray[np.int8]:
        out = np.full((self.n_rows, len(rules)), ABSTAIN, dtype=np.int8)
        for j, rule in enumerate(rules):
            out[self._rule_mask(rule.kind, rule.pattern, rule.label), j] = rule.label
        return out

    def _rule_mask(self, kind: str, pattern: str, label: int) -> npt.NDArray[np.bool_]:
        embedder = None
        if kind == "zero_shot":
            if self._embeddings is None:
                from weaklabel.embed import WordLlamaEmbedder

                self._embeddings = ColumnEmbeddings(
                    WordLlamaEmbedder(), self.text.tolist()
                )
            embedder = self._embeddings
        return rule_mask(
            self._text_frame,
            kind,
            pattern,
            label,
            self.text_column,
            classes=self.classes,
            embedder=embedder,
        )

    def _fit(self, progress: Callable[[float, str], None], start: float = 0.0) -> None:
        """Fit the label model with the labels given so far (semi-supervised).

        The fit is :class:`weaklabel.active.ActiveLearner`'s: the label model
        refitted with the labels when that does not make it worse on them, a
        labeled row's own label final, and the rows sharing its vote pattern
        moved toward it.  The same learner ranks the labeling queue.
        """
        from weaklabel.active import ActiveLearner
        from weaklabel.label_model import LabelModel, MajorityVote

        progress(start, "fitting the label model")
        L = self.votes
        y = self.gold()
        k = len(self.classes)
        labeled = y >= 0
        n_labeled = int(labeled.sum())
        if L.shape[1] == 0:
            raise WeakLabelError(
                "There are no LFs or rules to fit a label model on; add an LF to"
                " the module (and press reload) or accept a rule."
            )
        model = LabelModel(cardinality=k, random_state=self.random_state)
        with self._lock:
            previous = self.learner
        # Fit a copy of the last learner: it remembers its fit without gold and
        # the gold weight it chose (reused until the labels grow by half), and
        # the pages keep reading the last one until the new fit is complete.
        learner = (
            copy.deepcopy(previous)
            if previous is not None
            else ActiveLearner(model, random_state=self.random_state)
        )
        learner.fit(L, y)
        proba = np.asarray(learner.model_proba_, dtype=np.float64)
        mv = MajorityVote(cardinality=k, random_state=self.random_state).fit(L)
        mv_pred = mv.predict(L)
        pred = proba.argmax(axis=1)

        def on_labeled(p: npt.NDArray[np.int64]) -> float | None:
            return float((p[labeled] == y[labeled]).mean()) if n_labeled else None

        metrics: dict[str, Any] = {
            "n_rows": self.n_rows,
            "n_lfs": L.shape[1],
            "n_labeled": n_labeled,
            "coverage": float((L != ABSTAIN).any(axis=1).mean()),
            "class_balance": [
                float(v) for v in np.bincount(pred, minlength=k) / len(pred)
            ],
            "label_model_accuracy_on_labeled": on_labeled(pred),
            "majority_vote_accuracy_on_labeled": on_labeled(mv_pred),
            "refitted_with_labels": bool(learner.refitted_),
        }
        params = {**model.get_params(), "model": "LabelModel", "fit": "ActiveLearner"}
        with self._lock:
            if self._L is L:  # the votes did not change while fitting
                self.fitted_votes = L
                self.fitted_names = self.names
                self.model = learner.model_
                self.learner = learner
                self.proba = proba
                self.fitted_labels = n_labeled
        self.project.add_run(_jsonable_params(params), metrics)
        progress(1.0, "done")

    # -------------------------------------------------------------- overview
    def _lf_summary(self) -> Any:
        """Coverage, overlaps and conflicts per LF (cached until the votes change)."""
        from weaklabel.analysis import lf_summary

        with self._lock:
            L, names, cached = self._L, self.names, self._summary
        if cached is None:
            cached = lf_summary(L, lf_names=names, classes=list(self.classes))
            with self._lock:
                if self._L is L:
                    self._summary = cached
        return cached

    def conflicts(self) -> npt.NDArray[np.bool_]:
        """Rows whose LFs voted for different classes (cached until the votes change)."""
        with self._lock:
            L, cached = self._L, self._conflicts
        if cached is None:
            cached = conflict_mask(L)
            with self._lock:
                if self._L is L:
                    self._conflicts = cached
        return cached

    def overview(self) -> dict[str, Any]:
        """The numbers of the overview page: sizes, the LF table, class balance."""
        with self._lock:
            L, names, proba, model = self._L, self.names, self.proba, self.model
        y = self.gold()
        labeled = np.flatnonzero(y >= 0)
        table: list[dict[str, Any]] = []
        if L.shape[1]:
            summary = self._lf_summary()
            learned = getattr(model, "lf_accuracy_", None)
            fitted = learned is not None and len(learned) == L.shape[1]
            L_lab = L[labeled]
            voted = L_lab != ABSTAIN
            correct = (voted & (L_lab == y[labeled, None])).sum(axis=0)
            n_voted = voted.sum(axis=0)
            for j, name in enumerate(names):
                row = summary.iloc[j]
                table.append(
                    {
                        "name": name,
                        "kind": "rule" if j >= len(self.lf_names) else "lf",
                        "polarity": list(row["Polarity"]),
                        "coverage": float(row["Coverage"]),
                        "overlaps": float(row["Overlaps"]),
                        "conflicts": float(row["Conflicts"]),
                        "n_labeled_votes": int(n_voted[j]),
                        "empirical_accuracy": (
                            float(correct[j] / n_voted[j]) if n_voted[j] else None
                        ),
                        "learned_accuracy": (
                            float(learned[j])
                            if fitted and learned is not None
                            else None
                        ),
                    }
                )
        balance = None if proba is None else [float(v) for v in proba.mean(axis=0)]
        runs = self.project.runs()
        covered = (L != ABSTAIN).any(axis=1).mean() if L.shape[1] else 0.0
        return {
            "n_rows": self.n_rows,
            "n_lfs": len(self.lf_names),
            "n_rules": len(self.rule_names),
            "n_labeled": int(labeled.size),
            "n_runs": len(runs),
            "coverage": float(covered),
            "classes": list(self.classes),
            "class_balance": balance,
            "lfs": table,
            "last_run": None if not runs else {"id": runs[-1].id, **runs[-1].metrics},
            "job": self.job.as_dict(),
        }

    # ------------------------------------------------------------------ rows
    def filter_mask(self, flt: RowFilter) -> npt.NDArray[np.bool_]:
        """Boolean mask of the rows that pass ``flt``."""
        with self._lock:
            L, names, proba = self._L, self.names, self.proba
        return filter_mask(
            flt,
            L=L,
            names=names,
            gold=self.gold(),
            proba=proba,
            text=self._text_index,
            conflicts=self.conflicts() if flt.conflict else None,
        )

    def rows(
        self, flt: RowFilter, *, offset: int = 0, limit: int = 50
    ) -> dict[str, Any]:
        """One page of the rows passing ``flt``, each with its votes and proba."""
        positions = np.flatnonzero(self.filter_mask(flt))
        offset = max(0, int(offset))
        limit = min(max(1, int(limit)), 500)
        labels = self.project.labels()
        page = positions[offset : offset + limit]
        return {
            "total": int(positions.size),
            "offset": offset,
            "limit": limit,
            "rows": [self.row(int(p), labels=labels) for p in page],
        }

    def row(
        self, position: int, *, labels: dict[int, int] | None = None
    ) -> dict[str, Any]:
        """One row: its text, the votes that fired, the probabilities, its label."""
        if not 0 <= position < self.n_rows:
            raise WeakLabelError(
                f"Row position {position} is out of range; the data has"
                f" {self.n_rows} rows (positions 0..{self.n_rows - 1})."
            )
        with self._lock:
            names, votes = self.names, self._L[position]
            proba = None if self.proba is None else self.proba[position]
        label = (self.project.labels() if labels is None else labels).get(position)
        return {
            "position": position,
            "id": _jsonable(self.frame.index[position]),
            "text": self.text.iloc[position],
            "votes": [
                {"lf": names[j], "class": self.classes[int(v)]}
                for j, v in enumerate(votes)
                if v != ABSTAIN
            ],
            "proba": None if proba is None else [float(p) for p in proba],
            "predicted": None if proba is None else self.classes[int(proba.argmax())],
            "label": None if label is None else self.classes[label],
        }

    # ---------------------------------------------------------------- labels
    def add_label(
        self, position: int, label: object, author: str = "user"
    ) -> dict[str, Any]:
        """Save a label for one row (one transaction); return the row."""
        index = self.class_index(label)
        self.row(position)  # validates the position
        self.project.add_label(position, index, author)
        return self.row(position)

    def undo(self, author: str = "user") -> dict[str, Any] | None:
        """Withdraw ``author``'s last label; return the row it belonged to."""
        label = self.project.undo(author)
        return None if label is None else self.row(label.position)

    def skip(self, position: int, author: str = "user") -> None:
        """Skip a row in the labeling queue."""
        self.row(position)
        self.project.add_skip(position, author)

    def class_index(self, label: object) -> int:
        """Resolve a class name or index to the index."""
        if isinstance(label, str) and label in self.classes:
            return self.classes.index(label)
        if isinstance(label, str) and label.isdigit():
            label = int(label)
        if isinstance(label, int) and 0 <= label < len(self.classes):
            return label
        raise WeakLabelError(
            f"Unknown class {label!r}; expected one of {list(self.classes)} or an"
            f" index 0..{len(self.classes) - 1}."
        )

    def queue(self, n: int = 20) -> list[int]:
        """Positions to label next, best first: the active-learning suggestions.

        Ranked by the last fit's :class:`~weaklabel.active.ActiveLearner`
        (its ``"auto"`` strategy); rows labeled or skipped since are left out.
        Refit to rank with the newest labels.
        """
        learner = self.learner
        if learner is None:
            return []
        open_rows = self.gold() < 0
        skipped = np.fromiter(self.project.skips(), dtype=np.int64)
        open_rows[skipped[skipped < self.n_rows]] = False
        picked = learner.suggest(int(n), candidates=open_rows)
        return [int(p) for p in picked]

    # ----------------------------------------------------------------- rules
    def preview_rule(self, kind: str, pattern: str, label: object) -> RulePreview:
        """Coverage, precision on labeled rows, overlaps/conflicts, examples."""
        started = time.perf_counter()
        index = self.class_index(label)
        fired = self._rule_mask(kind, pattern, index)
        with self._lock:
            L, names = self._L, self.names
        return preview_rule(
            fired,
            kind=kind,
            pattern=pattern,
            label=index,
            L=L,
            names=names,
            gold=self.gold(),
            text=self.text,
            started=started,
        )

    def suggested_rules(self, n: int = 10) -> list[dict[str, Any]]:
        """Rules proposed from the labeled rows (:func:`weaklabel.active.suggest_lfs`).

        Each with its precision on the labeled rows, coverage, the rows it
        adds and its conflicts with the current LFs; none before a few rows
        are labeled.
        """
        from weaklabel.active.suggest_lfs import suggest_lfs

        y = self.gold()
        if (y >= 0).sum() < 2:
            return []
        with self._lock:
            L = self._L
        table = suggest_lfs(
            self.text,
            y,
            list(self.classes),
            L=L if L.shape[1] else None,
            max_candidates=int(n),
            column=self.text_column,
        )
        taken = set(self.names)
        out: list[dict[str, Any]] = []
        for record in table.to_dict("records"):
            if record["name"] in taken:
                continue
            out.append({str(k): _jsonable(v) for k, v in record.items()})
        return out

    def accept_rule(
        self, name: str, kind: str, pattern: str, label: object, author: str = "user"
    ) -> Rule:
        """Accept a rule into the project; its votes join the matrix at once.

        The label model is not refitted here: press refit (or call
        ``start_job("fit")``) to use it.
        """
        if not _RULE_NAME.match(name):
            raise WeakLabelError(
                f"Rule name {name!r} is not a valid name; use letters, digits and"
                " underscores, starting with a letter (e.g. 'kw_subscribe')."
            )
        if name in self.lf_names:
            raise WeakLabelError(
                f"The LF module already has an LF named {name!r}; choose another"
                " name for the rule."
            )
        index = self.class_index(label)
        mask = self._rule_mask(kind, pattern, index)
        rule = self.project.add_rule(name, kind, pattern, index, author)
        column = np.where(mask, np.int8(index), np.int8(ABSTAIN)).astype(np.int8)
        with self._lock:
            self._set_votes(
                self.lf_names,
                self.lf_votes,
                [*self.rule_names, rule.name],
                np.column_stack([self.rule_votes, column]).astype(np.int8),
            )
        return rule

    def remove_rule(self, name: str) -> bool:
        """Remove an accepted rule and its votes."""
        removed = self.project.remove_rule(name)
        with self._lock:
            if removed and name in self.rule_names:
                j = self.rule_names.index(name)
                self._set_votes(
                    self.lf_names,
                    self.lf_votes,
                    [r for r in self.rule_names if r != name],
                    np.delete(self.rule_votes, j, axis=1),
                )
        return removed

    # ---------------------------------------------------------------- export
    def soft_labels(self) -> npt.NDArray[np.float64]:
        """The soft labels, shape (n_rows, k).

        Rows labeled by a person carry their label (probability 1); the
        others the label model's probabilities, moved toward the labels seen
        in their vote pattern (``ActiveLearner.proba_``).
        """
        if self.learner is None:
            raise WeakLabelError(
                "The label model is not fitted yet; press refit first."
            )
        proba = np.array(self.learner.proba_, dtype=np.float64)
        y = self.gold()
        labeled = np.flatnonzero(y >= 0)  # labels given after the last fit too
        proba[labeled] = 0.0
        proba[labeled, y[labeled]] = 1.0
        return proba

    def soft_labels_frame(self) -> pd.DataFrame:
        """The soft labels as the ``io`` module writes them (see :meth:`soft_labels`)."""
        from weaklabel.io import soft_label_frame

        return soft_label_frame(
            self.soft_labels(), classes=list(self.classes), index=self.frame.index
        )

    def write_soft_labels(self, path: str | Path) -> Path:
        """Write the soft labels with :func:`weaklabel.io.write_soft_labels` (CSV or Parquet)."""
        from weaklabel.io import write_soft_labels

        return write_soft_labels(
            path, self.soft_labels(), classes=list(self.classes), index=self.frame.index
        )

    def gold_frame(self) -> pd.DataFrame:
        """The labels given so far: position, id, label (class name), author, time."""
        current = self.project.labels()
        history = {lab.position: lab for lab in self.project.label_history()}
        rows = [
            {
                "position": p,
                "id": _jsonable(self.frame.index[p]),
                "label": self.classes[y],
                "author": history[p].author if p in history else "",
                "created": history[p].created if p in history else None,
            }
            for p, y in sorted(current.items())
            if p < self.n_rows
        ]
        return pd.DataFrame(
            rows, columns=["position", "id", "label", "author", "created"]
        )

    def write_rules(self, path: str | Path) -> Path:
        """Write the accepted rules as a rules file (``weaklabel.active.load_rules``).

        The file is the one the suggested LFs use (format ``weaklabel-rules``),
        so ``load_rules(path).apply(data)`` casts exactly the rules' votes.
        It holds every accepted rule: keyword, regex and zero-shot (a
        zero-shot rule loads with the default offline embedder, the one the
        workbench uses, and needs the ``embed`` extra).
        """
        from weaklabel.active.suggest_lfs import write_rules

        rules = [
            {
                "name": r.name,
                "kind": r.kind,
                "pattern": r.pattern,
                "label": self.classes[r.label],
                "column": self.text_column,
            }
            for r in self.project.rules()
        ]
        return write_rules(path, rules, list(self.classes))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, int | float | str):
        return value
    return str(value)


def _jsonable_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) if v is not None else None for k, v in params.items()}
