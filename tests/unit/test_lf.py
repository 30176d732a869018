"""Tests of LabelingFunction, the labeling_function decorator and LFRegistry."""

from __future__ import annotations

import pickle
from collections import namedtuple

import pytest

from weaklabel.lf import LabelingFunction, LFRegistry, labeling_function
from weaklabel.typing import ABSTAIN

Row = namedtuple("Row", ["text"])


def test_registry_attributes():
    lfs = LFRegistry(classes=["ham", "spam"])
    assert lfs.classes == ("ham", "spam")
    assert lfs.cardinality == 2
    assert lfs.names == []
    assert len(lfs) == 0
    assert "LFRegistry" in repr(lfs)


@pytest.mark.parametrize(
    ("classes", "error"),
    [
        (["ham"], ValueError),
        ([], ValueError),
        (["ham", "ham"], ValueError),
        ("hamspam", TypeError),
        ([0, 1], TypeError),
        (["ham", ""], ValueError),
        (["ham", None], TypeError),
        (None, TypeError),
    ],
)
def test_registry_rejects_bad_classes(classes, error):
    with pytest.raises(error):
        LFRegistry(classes=classes)


def test_decorator_forms_register_in_order():
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def first(row):
        return "spam"

    @lfs.labeling_function
    def second(row):
        return ABSTAIN

    @lfs.labeling_function(name="third_lf", vectorized=True)
    def third(df):
        return [0] * len(df)

    assert lfs.names == ["first", "second", "third_lf"]
    assert isinstance(first, LabelingFunction)
    assert isinstance(second, LabelingFunction)
    assert third.vectorized
    assert [lf.name for lf in lfs] == lfs.names
    assert lfs["second"] is second
    assert lfs[0] is first
    assert "first" in lfs
    assert first(Row("x")) == "spam"


def test_names_is_a_copy():
    lfs = LFRegistry(classes=["a", "b"])
    names = lfs.names
    names.append("oops")
    assert lfs.names == []


def test_missing_parentheses_misuse():
    lfs = LFRegistry(classes=["ham", "spam"])

    def f(row):
        return 0

    with pytest.raises(ValueError, match="missing parentheses"):
        lfs.labeling_function(name=f)
    with pytest.raises(ValueError, match="missing parentheses"):
        labeling_function(name=f)
    with pytest.raises(TypeError, match="name="):
        lfs.labeling_function("has_link")
    with pytest.raises(TypeError, match="name="):
        labeling_function("has_link")


def test_decorating_a_non_callable():
    lfs = LFRegistry(classes=["ham", "spam"])
    with pytest.raises(TypeError, match="decorates a function"):
        lfs.labeling_function()(42)


def test_lambda_needs_a_name():
    with pytest.raises(ValueError, match="name="):
        labeling_function(lambda row: 0)
    lf = labeling_function(name="zero")(lambda row: 0)
    assert lf.name == "zero"


def test_duplicate_names_are_an_error():
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def dup(row):
        return 0

    with pytest.raises(ValueError, match="'dup' is already registered"):

        @lfs.labeling_function(name="dup")
        def other(row):
            return 1

    assert lfs.names == ["dup"]


def test_add_existing_lf():
    lfs = LFRegistry(classes=["ham", "spam"])

    @labeling_function
    def free(row):
        return 1

    assert lfs.add(free) is free
    assert lfs.names == ["free"]
    with pytest.raises(ValueError, match="unique"):
        lfs.add(free)
    with pytest.raises(TypeError, match="LabelingFunction"):
        lfs.add(lambda r: 0)
    with pytest.raises(TypeError, match=r"registry\.add"):
        lfs.labeling_function()(free)


def test_getitem_unknown_name():
    lfs = LFRegistry(classes=["ham", "spam"])
    with pytest.raises(KeyError, match="No labeling function named 'nope'"):
        lfs["nope"]


def test_resources_are_passed_as_keywords():
    @labeling_function(resources={"words": {"free", "win"}})
    def has_word(row, words):
        return "spam" if set(row.text.split()) & words else None

    assert has_word(Row("win big")) == "spam"
    assert has_word(Row("hello")) is None
    assert has_word.resources == {"words": {"free", "win"}}


def test_resources_that_do_not_fit_the_signature():
    def f(row):
        return 0

    with pytest.raises(TypeError, match="cannot take its resources"):
        labeling_function(resources={"words": 1})(f)
    with pytest.raises(TypeError, match="resources must be a dict"):
        LabelingFunction("f", f, resources=[1])  # type: ignore[arg-type]


def test_pre_is_applied_in_order():
    def lower(row):
        return row._replace(text=row.text.lower())

    def strip(row):
        return row._replace(text=row.text.strip())

    @labeling_function(pre=[lower, strip])
    def exact(row):
        return "spam" if row.text == "buy now" else None

    assert exact(Row("  BUY NOW ")) == "spam"
    assert exact.pre == (lower, strip)
    with pytest.raises(TypeError, match="must be callable"):
        labeling_function(pre=[1], name="f")(lambda r: 0)


def test_lf_is_frozen_hashable_and_picklable():
    lf = LabelingFunction("f", abs, resources={})
    with pytest.raises(AttributeError):
        lf.name = "g"  # type: ignore[misc]
    hash(lf)
    assert pickle.loads(pickle.dumps(lf)).name == "f"
    assert repr(lf) == "LabelingFunction(name='f', vectorized=False)"


def test_bad_lf_name():
    with pytest.raises(TypeError, match="non-empty string"):
        LabelingFunction("", abs)
    with pytest.raises(TypeError, match="must be callable"):
        LabelingFunction("f", 3)  # type: ignore[arg-type]


def test_registries_are_independent():
    a = LFRegistry(classes=["x", "y"])
    b = LFRegistry(classes=["x", "y"])

    @a.labeling_function()
    def only_in_a(row):
        return 0

    assert a.names == ["only_in_a"]
    assert b.names == []
