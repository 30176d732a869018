"""Killing the Dask engine mid-write never leaves a mix of two outputs.

``label_dask`` runs in a child process on its default scheduler (a
``distributed.LocalCluster`` of worker processes).  Its label model sleeps in
``predict_proba`` on the workers and records each worker's pid, so the test
can wait until new soft-label partitions are being written, then kill a
worker and the client by their own pids.  The output folder must then be the
earlier run's, byte for byte (or, had the swap happened, the complete new
one), and the next run must remove what the killed one left behind.  Every
wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

from weaklabel._files import MARKER, is_temporary  # noqa: E402
from weaklabel.label_model import DawidSkene  # noqa: E402
from weaklabel.lf import LFRegistry  # noqa: E402
from weaklabel.scale import label_dask  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

TEXTS = ["check http://x.co", "nice", "love it", "http://spam.biz", "great, love"]

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    from weaklabel.label_model import MajorityVote
    from weaklabel.lf import LFRegistry
    from weaklabel.scale import label_dask

    pids = Path(os.environ["WEAKLABEL_TEST_PIDS"])

    class SlowVote(MajorityVote):
        def predict_proba(self, L):
            (pids / str(os.getpid())).touch()
            time.sleep(1.0)
            return super().predict_proba(L)

    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text else None

    @lfs.labeling_function()
    def love(row):
        return "ham" if "love" in row.text else None

    if __name__ == "__main__":  # worker processes import this module too
        print("client", os.getpid(), flush=True)
        label_dask(lfs, sys.argv[1], sys.argv[2], model=SlowVote(), progress=False)
        print("done", flush=True)
    """
)


def _registry() -> LFRegistry:
    lfs = LFRegistry(classes=["ham", "spam"])

    @lfs.labeling_function()
    def has_link(row):
        return "spam" if "http" in row.text else None

    @lfs.labeling_function()
    def love(row):
        return "ham" if "love" in row.text else None

    return lfs


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _wait_for(condition, what: str, proc, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the child ended (exit code {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _new_partitions(parent: Path, out: Path) -> list[Path]:
    """Soft-label partitions already written into the run's temporary folder."""
    return [
        f
        for d in parent.iterdir()
        if d.is_dir() and is_temporary(d, out)
        for f in d.glob("part.*.parquet")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("client_signal", [signal.SIGKILL, signal.SIGTERM])
def test_killing_a_worker_and_the_client_mid_write_keeps_the_old_output(
    tmp_path, client_signal
):
    data = tmp_path / "data"
    data.mkdir()
    df = pd.DataFrame({"text": TEXTS * 40})
    for i in range(8):  # 8 partitions, each predicted in 1 s on 2 workers
        df.iloc[i::8].to_parquet(data / f"d{i}.parquet")
    out = tmp_path / "soft"
    label_dask(  # the earlier, complete output (another model: other numbers)
        _registry(),
        data,
        out,
        model=DawidSkene(random_state=0),
        scheduler="synchronous",
        progress=False,
    )
    old = snapshot(out)
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data), str(out)],
        env={**os.environ, "WEAKLABEL_TEST_PIDS": str(pids)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, for the clean-up
    )
    family: list[psutil.Process] = []
    try:
        assert proc.stdout is not None
        client = int(proc.stdout.readline().split()[1])
        assert client == proc.pid
        _wait_for(lambda: bool(_new_partitions(tmp_path, out)), "new partitions", proc)
        family = psutil.Process(client).children(recursive=True)
        workers = [int(p.name) for p in pids.iterdir()]
        assert workers
        assert client not in workers  # the model runs in worker processes
        os.kill(workers[0], signal.SIGKILL)
        os.kill(client, client_signal)
        rc = proc.wait(timeout=60)
        assert rc == -client_signal
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
        for child in family:  # workers the dead client could not stop
            if child.is_running():
                child.kill()
        psutil.wait_procs(family, timeout=30)
    # the output is the earlier one, whole
    assert snapshot(out) == old
    leftovers = [p for p in tmp_path.iterdir() if is_temporary(p, out)]
    if client_signal == signal.SIGTERM:
        assert leftovers == []  # the client removed its temporary folder
    # the next run removes a killed run's temporary folder and writes anew
    label_dask(_registry(), data, out, scheduler="synchronous", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data",
        "pids",
        "run.py",
        "soft",
    ]
    new = snapshot(out)
    assert new != old
    assert next(iter(new)) == MARKER
    assert len(pd.read_parquet(out)) == len(df)
