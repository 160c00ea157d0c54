#!/usr/bin/env python
"""The benchmark: seeds two accounts (few rows, many rows), starts gunicorn, drives concurrent
load on each list page as each account's Administrator, and prints latency per page and the
ratio Large / Small. Both accounts fill every page (50 rows), so the ratio isolates what the
number of rows behind a list costs: a list page built right costs about the same either way.

    .venv/bin/python bench/run.py [--small 200] [--large 2000] [--requests 60] [--concurrency 4]

Uses a throw-away SQLite database (or BENCH_DATABASE_URL) and writes bench/results/latest.txt.
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PAGES = {
    "users": "/account/users/",
    "users page 3": "/account/users/?page=3&sort=-last_login",
    "audit log": "/audit/",
    "audit log page 5": "/audit/?page=5",
    "api gateways": "/account/api/",
    "domains": "/account/domains/",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def opener_signed_in(base: str, email: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "email": email, "password": password}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=body, headers={"Referer": f"{base}/"})
    landed = opener.open(request).geturl()
    if "/login/" in landed:
        raise SystemExit(f"could not sign in as {email}")
    return opener


def timed_get(opener, url: str) -> float:
    start = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - start) * 1000


def measure(opener, url: str, requests: int, concurrency: int) -> list[float]:
    for _ in range(3):
        timed_get(opener, url)  # warm up
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda _: timed_get(opener, url), range(requests)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",
        "TASK_BACKEND": "immediate",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3"),
    }
    run = lambda *cmd: subprocess.run(cmd, cwd=ROOT, env=env, check=True)  # noqa: E731
    run(PY, "manage.py", "migrate", "--noinput", "-v0")
    run(PY, "bench/seed.py", str(args.small), str(args.large))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login/")
                break
            except OSError:
                time.sleep(0.2)
        openers = {
            size: opener_signed_in(base, f"admin@{size.lower()}.bench", "Bench-Pass-2026!")
            for size in ("Small", "Large")
        }
        lines = [
            f"{args.requests} requests per page, {args.concurrency} at a time, gunicorn 2 workers; "
            f"Small = {args.small} users, Large = {args.large} users "
            f"({args.large * 10} audit entries, {args.large // 4} gateways and domains)",
            f"{'page':<18}{'Small p50':>11}{'Small p95':>11}{'Large p50':>11}{'Large p95':>11}"
            f"{'ratio p50':>11}",
        ]
        for label, path in PAGES.items():
            stats = {}
            for size, opener in openers.items():
                times = sorted(measure(opener, base + path, args.requests, args.concurrency))
                stats[size] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
            (sp50, sp95), (lp50, lp95) = stats["Small"], stats["Large"]
            lines.append(
                f"{label:<18}{sp50:>9.1f}ms{sp95:>9.1f}ms{lp50:>9.1f}ms{lp95:>9.1f}ms"
                f"{lp50 / sp50:>10.2f}x"
            )
        report = "\n".join(lines)
        print(report)
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        (results / "latest.txt").write_text(report + "\n")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
