"""Labeling functions and the registry that keeps them in definition order.

A labeling function (LF) looks at one row (row-wise) or at the whole
DataFrame (vectorized) and votes for a class or abstains.  An
:class:`LFRegistry` is an object the user owns: it holds the class names and
a decorator that registers LFs on it, so there is no hidden module-level
state.

Examples
--------
>>> import pandas as pd
>>> from weaklabel.lf import LFRegistry
>>> from weaklabel.typing import ABSTAIN
>>> lfs = LFRegistry(classes=["ham", "spam"])
>>> @lfs.labeling_function()
... def has_link(row):
...     return "spam" if "http" in row.text else ABSTAIN
>>> @lfs.labeling_function(vectorized=True)
... def short(df):
...     return df.text.str.len().lt(10).map({True: "ham", False: None})
>>> lfs.names
['has_link', 'short']
>>> lfs.apply(pd.DataFrame({"text": ["see http://x.io now", "nice"]}))
   has_link  short
0         1     -1
1        -1      0
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from weaklabel._validation import check_class_names

if TYPE_CHECKING:
    import os

    import pandas as pd

__all__ = ["LFRegistry", "LabelingFunction", "labeling_function"]


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"A labeling function name must be a non-empty string; got {name!r}"
            f" ({type(name).__name__})."
        )
    return name


@dataclass(frozen=True)
class LabelingFunction:
    """A labeling function: a named callable that votes for a class or abstains.

    Build one with the :func:`labeling_function` decorator or
    :meth:`LFRegistry.labeling_function` rather than directly.

    Parameters
    ----------
    name : str
        Unique name of the LF (the column name in the vote matrix).
    f : callable
        ``f(row, **resources)`` for a row-wise LF, ``f(df, **resources)`` for a
        vectorized one.  A row-wise LF returns a class name, a class index,
        ``ABSTAIN`` (-1) or None (abstain); a vectorized one returns an
        array or Series of length ``len(df)`` of such values (NaN = abstain).
    vectorized : bool, default=False
        Whether ``f`` takes the whole DataFrame instead of one row.
    resources : dict, default=None
        Extra keyword arguments passed to ``f`` on every call.
    pre : tuple of callables, default=()
        Preprocessors applied in order to the row (row-wise) or the DataFrame
        (vectorized) before ``f`` sees it; each returns the new row/frame.

    Examples
    --------
    >>> from collections import namedtuple
    >>> lf = LabelingFunction("has_link", lambda row: "spam" if "http" in row.text else None)
    >>> lf(namedtuple("Row", "text")("see http://x.io"))
    'spam'
    """

    name: str
    f: Callable[..., Any] = field(repr=False)
    vectorized: bool = False
    resources: dict[str, Any] = field(default_factory=dict, hash=False, repr=False)
    pre: tuple[Callable[[Any], Any], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not callable(self.f):
            raise TypeError(
                f"Labeling function {self.name!r}: f must be callable; got"
                f" {self.f!r} ({type(self.f).__name__})."
            )
        resources = {} if self.resources is None else self.resources
        if not isinstance(resources, Mapping):
            raise TypeError(
                f"Labeling function {self.name!r}: resources must be a dict of"
                f" keyword arguments; got {type(resources).__name__}."
            )
        for key in resources:
            if not isinstance(key, str) or not key.isidentifier():
                raise TypeError(
                    f"Labeling function {self.name!r}: resource names must be valid"
                    f" keyword-argument names; got {key!r}."
                )
        object.__setattr__(self, "resources", dict(resources))
        pre = () if self.pre is None else self.pre
        if callable(pre):
            pre = (pre,)
        pre = tuple(pre)
        for p in pre:
            if not callable(p):
                raise TypeError(
                    f"Labeling function {self.name!r}: every preprocessor in pre="
                    f" must be callable; got {p!r} ({type(p).__name__})."
                )
        object.__setattr__(self, "pre", pre)
        object.__setattr__(self, "vectorized", bool(self.vectorized))
        if resources:
            self._check_signature()

    def _check_signature(self) -> None:
        try:
            sig = inspect.signature(self.f)
        except (TypeError, ValueError):  # builtins without a signature
            return
        try:
            sig.bind(None, **self.resources)
        except TypeError as exc:
            raise TypeError(
                f"Labeling function {self.name!r} cannot take its resources"
                f" {sorted(self.resources)} as keyword arguments ({exc}); define it"
                f" as def {self.name}(row, *, {', '.join(self.resources)})."
            ) from None

    def __call__(self, x: Any) -> Any:
        """Run the LF on one row (or on a DataFrame if vectorized); return its raw output."""
        for p in self.pre:
            x = p(x)
        return self.f(x, **self.resources)


def _make_lf(
    f: Callable[..., Any],
    name: str | None,
    vectorized: bool,
    resources: Mapping[str, Any] | None,
    pre: Iterable[Callable[[Any], Any]] | Callable[[Any], Any] | None,
) -> LabelingFunction:
    if isinstance(f, LabelingFunction):
        raise TypeError(
            f"{f.name!r} is already a LabelingFunction; register it with"
            " registry.add(lf) instead of decorating it again."
        )
    if not callable(f):
        raise TypeError(
            f"labeling_function decorates a function; got {f!r} ({type(f).__name__})."
        )
    if name is None:
        name = getattr(f, "__name__", None)
        if not name or name == "<lambda>":
            raise ValueError(
                "Cannot infer a name for this labeling function (a lambda or a"
                " callable object); pass name='...'."
            )
    pre_t: tuple[Callable[[Any], Any], ...]
    if pre is None:
        pre_t = ()
    elif callable(pre):
        pre_t = (pre,)
    else:
        pre_t = tuple(pre)
    return LabelingFunction(
        name=_check_name(name),
        f=f,
        vectorized=vectorized,
        resources=dict(resources or {}),
        pre=pre_t,
    )


def _check_decorator_args(name: object) -> None:
    if callable(name):
        raise ValueError(
            "Looks like this decorator is missing parentheses, or the function was"
            " passed as name=. Use @labeling_function, @labeling_function() or"
            " @labeling_function(name='...')."
        )
    if name is not None:
        _check_name(name)


@overload
def labeling_function(f: Callable[..., Any], /) -> LabelingFunction: ...


@overload
def labeling_function(
    f: None = None,
    /,
    *,
    name: str | None = None,
    vectorized: bool = False,
    resources: Mapping[str, Any] | None = None,
    pre: Iterable[Callable[[Any], Any]] | None = None,
) -> Callable[[Callable[..., Any]], LabelingFunction]: ...


def labeling_function(
    f: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    vectorized: bool = False,
    resources: Mapping[str, Any] | None = None,
    pre: Iterable[Callable[[Any], Any]] | None = None,
) -> LabelingFunction | Callable[[Callable[..., Any]], LabelingFunction]:
    """Turn a function into an (unregistered) :class:`LabelingFunction`.

    Works bare (``@labeling_function``) or with arguments
    (``@labeling_function(name=..., vectorized=..., resources=..., pre=...)``).
    Apply a list of such LFs with :func:`weaklabel.apply.apply_lfs`, or add
    them to a registry with :meth:`LFRegistry.add`.

    Examples
    --------
    >>> @labeling_function
    ... def has_link(row):
    ...     return "spam" if "http" in row.text else None
    >>> has_link
    LabelingFunction(name='has_link', vectorized=False)
    """
    _check_decorator_args(name)
    if f is not None:
        if isinstance(f, str):
            raise TypeError(
                f"Pass the name as a keyword: @labeling_function(name={f!r})."
            )
        return _make_lf(f, name, vectorized, resources, pre)

    def decorator(func: Callable[..., Any]) -> LabelingFunction:
        return _make_lf(func, name, vectorized, resources, pre)

    return decorator


def check_classes(classes: Any) -> tuple[str, ...]:
    """Validate class names (see :func:`weaklabel._validation.check_class_names`,
    the one rule set: at least two unique non-empty strings, integers taken
    as their decimal strings); return them as a tuple."""
    return tuple(check_class_names(classes))


class LFRegistry:
    """An ordered collection of labeling functions over a fixed set of classes.

    Parameters
    ----------
    classes : sequence of str
        Class names (at least two, unique).  An LF votes with a class name or
        its index in this sequence.

    Attributes
    ----------
    classes : tuple of str
        The class names.
    cardinality : int
        Number of classes.
    names : list of str
        LF names in definition order.

    Examples
    --------
    >>> lfs = LFRegistry(classes=["ham", "spam"])
    >>> @lfs.labeling_function
    ... def shouting(row):
    ...     return "spam" if row.text.isupper() else None
    >>> len(lfs), lfs.cardinality, lfs["shouting"].name
    (1, 2, 'shouting')
    """

    def __init__(self, classes: Sequence[str]) -> None:
        self._classes = check_classes(classes)
        self._lfs: dict[str, LabelingFunction] = {}

    @property
    def classes(self) -> tuple[str, ...]:
        """Class names, in index order."""
        return self._classes

    @property
    def cardinality(self) -> int:
        """Number of classes."""
        return len(self._classes)

    @property
    def names(self) -> list[str]:
        """LF names in definition order (a fresh list)."""
        return list(self._lfs)

    @property
    def lfs(self) -> list[LabelingFunction]:
        """The labeling functions in definition order (a fresh list)."""
        return list(self._lfs.values())

    def __len__(self) -> int:
        return len(self._lfs)

    def __iter__(self) -> Iterator[LabelingFunction]:
        return iter(list(self._lfs.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._lfs

    def __getitem__(self, key: str | int) -> LabelingFunction:
        if isinstance(key, int) and not isinstance(key, bool):
            return list(self._lfs.values())[key]
        if isinstance(key, str) and key in self._lfs:
            return self._lfs[key]
        raise KeyError(
            f"No labeling function named {key!r} in this registry; it has {self.names}."
        )

    def __repr__(self) -> str:
        return f"LFRegistry(classes={list(self._classes)!r}, lfs={self.names!r})"

    def add(self, lf: LabelingFunction) -> LabelingFunction:
        """Register an existing :class:`LabelingFunction` and return it.

        Raises
        ------
        TypeError
            If ``lf`` is not a LabelingFunction.
        ValueError
            If an LF with the same name is already registered.
        """
        if not isinstance(lf, LabelingFunction):
            raise TypeError(
                "LFRegistry.add takes a LabelingFunction (from labeling_function or"
                f" weaklabel.lf_helpers); got {lf!r} ({type(lf).__name__})."
            )
        if lf.name in self._lfs:
            raise ValueError(
                f"A labeling function named {lf.name!r} is already registered; LF"
                " names must be unique. Rename one of them (name='...')."
            )
        self._lfs[lf.name] = lf
        return lf

    @overload
    def labeling_function(self, f: Callable[..., Any], /) -> LabelingFunction: ...

    @overload
    def labeling_function(
        self,
        f: None = None,
        /,
        *,
        name: str | None = None,
        vectorized: bool = False,
        resources: Mapping[str, Any] | None = None,
        pre: Iterable[Callable[[Any], Any]] | None = None,
    ) -> Callable[[Callable[..., Any]], LabelingFunction]: ...

    def labeling_function(
        self,
        f: Callable[..., Any] | None = None,
        /,
        *,
        name: str | None = None,
        vectorized: bool = False,
        resources: Mapping[str, Any] | None = None,
        pre: Iterable[Callable[[Any], Any]] | None = None,
    ) -> LabelingFunction | Callable[[Callable[..., Any]], LabelingFunction]:
        """Decorator that builds a :class:`LabelingFunction` and registers it.

        Works bare (``@lfs.labeling_function``) or called
        (``@lfs.labeling_function(name=..., vectorized=..., resources=...,
        pre=...)``); returns the LabelingFunction.  See
        :class:`LabelingFunction` for the meaning of the arguments.

        Raises
        ------
        ValueError
            On a duplicate name, or when the function is passed as ``name``.
        """
        _check_decorator_args(name)
        if f is not None:
            if isinstance(f, str):
                raise TypeError(
                    f"Pass the name as a keyword: @lfs.labeling_function(name={f!r})."
                )
            return self.add(_make_lf(f, name, vectorized, resources, pre))

        def decorator(func: Callable[..., Any]) -> LabelingFunction:
            return self.add(_make_lf(func, name, vectorized, resources, pre))

        return decorator

    def apply(
        self,
        data: pd.DataFrame | str | os.PathLike[str],
        *,
        n_jobs: int = 1,
        progress: bool = False,
        on_error: Literal["raise", "abstain"] = "raise",
    ) -> pd.DataFrame:
        """Apply every LF to ``data`` and return the vote matrix.

        See :func:`weaklabel.apply.apply_lfs` for the parameters and errors.

        Returns
        -------
        DataFrame of shape (n_samples, n_lfs) and dtype int8
            Votes (class indices, -1 = abstain); index = the data's index,
            columns = LF names, ``attrs["classes"]`` = the class names.
        """
        # The one import cycle of the package, by design (apply.py needs this
        # module's types; lfs.apply(df) is the Snorkel-style entry point);
        # tests/test_import_graph.py allows this edge and no other cycle.
        from weaklabel.apply import apply_lfs

        return apply_lfs(
            list(self._lfs.values()),
            data,
            classes=self._classes,
            n_jobs=n_jobs,
            progress=progress,
            on_error=on_error,
        )
