"""weaklabel.scale._cluster: which scheduler runs the work, and the checks."""

from __future__ import annotations

import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from weaklabel.scale._cluster import (  # noqa: E402
    check_ddf,
    compute,
    current_client,
    use_scheduler,
)


def test_a_local_scheduler_wins_over_any_client():
    with use_scheduler("threads"):
        assert dask.config.get("scheduler") == "threads"
        assert current_client() is None
    with dask.config.set(scheduler="synchronous"):
        assert current_client() is None


def test_compute_with_and_without_a_progress_bar(capsys):
    ddf = dd.from_pandas(pd.DataFrame({"a": range(10)}), npartitions=2)
    with use_scheduler("synchronous"):
        assert compute(ddf.a.sum(), progress=False) == 45
        assert compute(ddf.a.sum(), progress=True) == 45
    assert capsys.readouterr().err  # the bar goes to stderr


@pytest.mark.parametrize("bad", [3, object(), ["threads"]])
def test_use_scheduler_rejects_what_it_cannot_use(bad):
    with pytest.raises(TypeError, match="scheduler must be"), use_scheduler(bad):
        pass


def test_check_ddf_points_pandas_users_to_the_pandas_path():
    with pytest.raises(TypeError, match=r"lfs\.apply\(df\)"):
        check_ddf(pd.DataFrame({"a": [1]}), "ddf")
    with pytest.raises(TypeError, match="got list"):
        check_ddf([1], "votes")
