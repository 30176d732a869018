import pytest

pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread(torch_one_thread: None) -> None:
    """Every test here runs torch on one thread (see tests/conftest.py)."""
