"""Apply each planted defect of tests/mutants/catalogue.py to a copy of the tree, run the suite
there, and fail when the suite still passes for any of them (the defect "survived").

    python -m tests.mutants.run [--only KEY ...] [-- extra pytest arguments]

The copy holds the working tree's tracked and untracked files (not .venv, which is reused), so
the run tests what is on disk now. Each defect runs the tests its catalogue entry names as its
guards (the whole suite but the browser tests when it names none); pytest stops at the first
failure, so a caught defect costs seconds and only a survivor costs a whole run of its guards.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "test-artifacts", ".pytest_cache", ".ruff_cache", "media", "staticfiles"}


def copy_tree(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file() and not SKIP & set(Path(name).parts):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run(mutant, pytest_args: list[str]) -> tuple[bool, float, str]:
    """(caught, seconds, last lines of the run)."""
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.key}-") as tmp:
        tree = Path(tmp)
        copy_tree(tree)
        path = tree / mutant.path
        text = path.read_text()
        for old, new in ((mutant.old, mutant.new), *mutant.also):
            if text.count(old) != 1:
                return False, 0.0, f"the planted text is not (exactly once) in {mutant.path}"
            text = text.replace(old, new)
        path.write_text(text)
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                *(mutant.tests or ("--ignore=tests/browser",)),
                *pytest_args,
            ],
            cwd=tree,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        output = (result.stdout + result.stderr).strip()
        tail = "\n".join(output.splitlines()[-3:])
        # Caught: a test failed (pytest -x under xdist exits 2, "interrupted", after one). Errors
        # alone (the planted code does not even import) are no catch: a defect must be valid code.
        caught = result.returncode != 0 and re.search(r"\b\d+ failed\b", output) is not None
        return caught, seconds, tail


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="catalogue keys to run")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    options = parser.parse_args(argv)
    chosen = [m for m in CATALOGUE if options.only is None or m.key in options.only]
    survivors = []
    for mutant in chosen:
        caught, seconds, tail = run(mutant, options.pytest_args)
        verdict = "caught" if caught else "SURVIVED"
        print(f"{verdict:9} {mutant.key:36} {seconds:6.1f} s  {mutant.what}", flush=True)
        if not caught:
            survivors.append(mutant.key)
            print("          " + tail.replace("\n", "\n          "), flush=True)
    print(f"{len(chosen) - len(survivors)} of {len(chosen)} planted defects caught.")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
