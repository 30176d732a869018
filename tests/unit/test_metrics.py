import pytest

from weaklabel.metrics import (
    METRICS,
    accuracy,
    f1,
    f1_macro,
    f1_micro,
    score_predictions,
)


def test_values():
    y = [0, 1, 1, 0, 2]
    p = [0, 1, -1, 1, 2]
    assert accuracy(y, p) == pytest.approx(0.6)
    assert f1([0, 1, 1, 0], [0, 1, -1, 1]) == pytest.approx(0.5)
    # class 0: P=1,R=.5 -> 2/3 ; class 1: P=.5,R=.5 -> .5 ; class 2: 1
    assert f1_macro(y, p, cardinality=3) == pytest.approx((2 / 3 + 0.5 + 1) / 3)
    assert f1_micro(y, p, cardinality=3) == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert f1([0, 0], [0, 0]) == 0.0  # undefined -> 0
    assert set(METRICS) == {"accuracy", "f1", "f1_macro", "f1_micro"}


def test_errors():
    with pytest.raises(ValueError, match="metric must be one of"):
        score_predictions([0], [0], metric="auc")
    with pytest.raises(ValueError, match="binary"):
        score_predictions([0], [0], metric="f1", cardinality=3)
    with pytest.raises(ValueError, match="2 labels but y_pred has 1"):
        accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="zero labels"):
        accuracy([], [])
