"""After ``mutmut run`` and ``mutmut export-cicd-stats``: fail when more mutants of
accounts/tenancy.py and accounts/permissions.py survive than the budget allows.

BUDGET is the number of survivors accepted, each judged equivalent (the mutant behaves exactly
like the code) and named in the README; today none is. A run that mutated nothing fails too, so
a moved module or a broken configuration cannot pass by testing nothing.
"""

import json
import subprocess
import sys
from pathlib import Path

BUDGET = 0
STATS = Path("mutants/mutmut-cicd-stats.json")


def main() -> int:
    stats = json.loads(STATS.read_text())
    undetected = stats["survived"] + stats["no_tests"] + stats["suspicious"]
    print(
        f"mutmut: {stats['total']} mutants, {stats['killed']} killed, {stats['timeout']} timed out"
        f" (caught), {stats['survived']} survived, {stats['no_tests']} had no test,"
        f" {stats['suspicious']} suspicious; budget {BUDGET}."
    )
    if stats["total"] == 0:
        print("mutmut mutated nothing: check [tool.mutmut] in pyproject.toml.")
        return 1
    if undetected > BUDGET:
        results = subprocess.run(
            [sys.executable, "-m", "mutmut", "results"], capture_output=True, text=True
        ).stdout
        print("\n".join(line for line in results.splitlines() if "not checked" not in line))
        print("Show one with: .venv/bin/mutmut show <name>")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
