"""docs/coming_from_snorkel.md: the weaklabel half of the side-by-side example runs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "coming_from_snorkel.md"


def _block(heading: str) -> str:
    match = re.search(
        rf"### {re.escape(heading)}\n\n```python\n(.*?)```", DOC.read_text(), re.S
    )
    assert match is not None, f"{DOC.name} lost its {heading!r} example"
    return match.group(1)


def test_the_weaklabel_half_runs_and_means_what_it_says() -> None:
    namespace: dict[str, object] = {"print": lambda *a, **k: None}
    exec(compile(_block("weaklabel"), str(DOC), "exec"), namespace)
    L_train = namespace["L_train"]
    L_dev = namespace["L_dev"]
    Y_dev = namespace["Y_dev"]
    model = namespace["label_model"]
    assert list(L_train.columns) == ["check_out", "has_link", "my_channel", "short"]
    # the class balance Snorkel would have estimated from Y_dev
    np.testing.assert_allclose(model.class_prior_, np.bincount(Y_dev) / len(Y_dev))
    preds_dev = namespace["preds_dev"]
    decided = preds_dev != -1
    assert np.mean(preds_dev[decided] == Y_dev[decided]) > 0.7
    # filter_unlabeled kept exactly the rows some LF voted on
    voted = (L_train.to_numpy() != -1).any(axis=1)
    df_filtered = namespace["df_filtered"]
    assert df_filtered.index.tolist() == namespace["df_train"].index[voted].tolist()
    probs_filtered = namespace["probs_filtered"]
    np.testing.assert_array_equal(probs_filtered, model.predict_proba(L_train)[voted])
    np.testing.assert_array_equal(
        namespace["preds_filtered"],
        model.predict(L_train[voted]),  # same rule, same random_state
    )
    assert namespace["weights"].shape == (4,)
    majority_dev = namespace["majority_dev"]
    votes = L_dev.to_numpy()
    spam, ham = (votes == 1).sum(axis=1), (votes == 0).sum(axis=1)
    expected = np.where(spam > ham, 1, np.where(ham > spam, 0, -1))
    np.testing.assert_array_equal(majority_dev, expected)


def test_the_snorkel_half_names_every_call_the_table_maps() -> None:
    snorkel = _block("Snorkel 0.10")
    for call in ("LFAnalysis", "PandasLFApplier", "Y_dev=", "n_epochs=", "seed=",
                 "tie_break_policy=", "probs_to_preds", "filter_unlabeled_dataframe",
                 "get_weights", "MajorityLabelVoter"):  # fmt: skip
        assert call in snorkel, call
    table = DOC.read_text().split("## Side by side")[0]
    for call in ("LFAnalysis", "PandasLFApplier", "class_balance", "n_epochs",
                 "seed", "tie_break_policy", "probs_to_preds",
                 "filter_unlabeled_dataframe", "get_weights",
                 "MajorityLabelVoter"):  # fmt: skip
        assert call in table, call


def test_the_snorkel_half_runs_where_snorkel_is_installed() -> None:
    pytest.importorskip("snorkel")
    namespace: dict[str, object] = {"print": lambda *a, **k: None}
    with warnings.catch_warnings():  # snorkel 0.10 warns on numpy 2 / pandas 3
        warnings.simplefilter("ignore")
        exec(compile(_block("Snorkel 0.10"), str(DOC), "exec"), namespace)
    assert namespace["probs_filtered"].shape[1] == 2
