"""The load run (bench/load.py) in the suite at a small scale, so that it cannot rot: 5 seconds of
wrk at concurrency 4 on panel and portal pages while two writers of each kind edit users, pay
top-ups through the fake Stripe and record usage; the script checks the database against what
they did and exits non-zero on any 5xx, lost write, double credit or growing worker."""

import subprocess
import sys
from pathlib import Path

from tests.test_bench import wrk  # noqa: F401 (the fixture: skip, or fail under REQUIRE_WRK=1)

ROOT = Path(__file__).resolve().parents[1]


def test_reads_and_writes_at_once_lose_nothing_and_never_fail(wrk):  # noqa: F811
    run = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--tiny",
            "--seconds",
            "5",
            "--concurrency",
            "4",
            "--writers",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in run.stdout.splitlines()}
    for check in (
        "5xx answers (reads and writes)",
        "payments credited once (ledger)",
        "usage quantity",
    ):
        assert rows[check].endswith("| ok |"), rows[check]
