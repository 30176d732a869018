"""CI (`.ci/run`) runs README's exact test command, and fails when it fails.

README's command is an ``&&`` list; under ``set -e`` bash does not stop on a
failure before the last command of such a list, so a failed venv or install
would skip the tests and leave CI green unless the list's status is checked.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [ln.strip() for ln in lines if ln.startswith("python3 -m venv .venv")]
    tests = [c for c in commands if "pytest" in c]
    assert len(tests) == 1, f"README should give one test command, found {tests}"
    return tests[0]


def test_ci_runs_readmes_exact_test_command_and_checks_its_status() -> None:
    command = _readme_test_command()
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    calls = [ln for ln in lines if ln.startswith(command)]
    assert len(calls) == 1, ".ci/run must call README's test command, verbatim"
    guard = calls[0][len(command) :].strip()
    message = f"README's test command in .ci/run needs '|| exit 1', got {guard!r}"
    assert guard.startswith("||"), message
    assert "exit 1" in guard, message


def test_a_failure_early_in_an_and_list_stops_the_script_only_with_the_guard(
    tmp_path: Path,
) -> None:
    # the bash behaviour the guard exists for, on the real shell
    script = tmp_path / "ci.sh"
    for guard, expected in (("", 0), (" || exit 1", 1)):
        script.write_text(
            f"set -euo pipefail\nfalse && echo tests{guard}\necho went on\n",
            encoding="utf-8",
        )
        done = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, check=False
        )
        assert done.returncode == expected
        assert ("went on" in done.stdout) == (expected == 0)
