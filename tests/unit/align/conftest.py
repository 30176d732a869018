import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny heads and batches: thread start-up dominates, and on a loaded machine
    # torch's threads fight over the cores (the align tests took 263 s instead of
    # 21 s under load with the default thread count).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
