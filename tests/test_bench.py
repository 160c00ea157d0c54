"""The benchmark runs in the suite at a tiny scale so that it cannot rot: the seed, gunicorn under
the bench settings, the real sign-in, wrk on every page and the report. The figures themselves
belong in `make bench`, not here; this asserts only what must hold at any scale."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def wrk():
    if shutil.which("wrk") is None:
        if os.environ.get("REQUIRE_WRK") == "1":
            pytest.fail("REQUIRE_WRK=1 but wrk is not installed (apt install wrk)")
        pytest.skip("wrk is not installed (apt install wrk)")


def test_the_benchmark_measures_every_page_without_errors(wrk, tmp_path):
    subprocess.run(
        [sys.executable, "bench/run.py", "--tiny", "--seconds", "1", "--output", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads((tmp_path / "latest.json").read_text())
    pages = {page["label"]: page for page in report["pages"]}
    assert "Users list" in pages and "Django admin user changelist" in pages
    for label, page in pages.items():
        assert page["errors"] == 0, label
        assert page["requests_per_second"] > 0, label
        assert page["queries"] is not None and page["queries"] <= 10, label
    assert pages["bare view (template, no query)"]["queries"] == 0
    assert pages["Users list"]["ratio"] is not None  # against the admin changelist
