#!/usr/bin/env python
"""The benchmark (``make bench``): a fresh database seeded at scale, gunicorn with the repository's
configuration under production settings, and wrk driving each page for a fixed time at a fixed
concurrency — our pages, Django's admin on the same users, and a bare view. Prints one table
(req/s, p50, p99, errors, queries per request) with the ratios ours / admin and ours / bare view,
and writes it as JSON to bench/results/.

    .venv/bin/python bench/run.py [--tiny] [--seconds 10] [--concurrency 8] [--workers 2]

PostgreSQL when DATABASE_URL (or BENCH_DATABASE_URL) points at one — a fresh database is created
beside it and dropped after — SQLite in a temporary file otherwise.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import (  # noqa: E402
    ADMIN_LARGE,
    ADMIN_SMALL,
    CONTACT_LARGE,
    CONTACT_SMALL,
    PASSWORD,
    Scale,
)

PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    signed_in_as: str | None  # None: anonymous
    compare_with: str = ""  # the label of the page this one is measured against (a ratio)
    host: str = "127.0.0.1"  # the panel, or a portal domain (its contact signs in there)


BARE = "bare view (template, no query)"
ADMIN_LIST = "Django admin user changelist"
ADMIN_SEARCH = "Django admin user search"
PAGES = [
    Page(BARE, "/bench/bare/", None),
    Page("Users list", "/account/users/", ADMIN_LARGE, ADMIN_LIST),
    Page(ADMIN_LIST, "/admin/users/user/", ADMIN_LARGE),
    Page("Users search", "/account/users/?q=User+0004", ADMIN_LARGE, ADMIN_SEARCH),
    Page(ADMIN_SEARCH, "/admin/users/user/?q=User+0004", ADMIN_LARGE),
    Page("Audit Log", "/audit/", ADMIN_LARGE),
    Page("Payments", "/account/payments/", ADMIN_LARGE),
    Page("Config", "/account/config/", ADMIN_LARGE),
    Page("CDR (panel)", "/cdr/", ADMIN_LARGE),
    Page("Portal CDR", "/cdr/", CONTACT_LARGE[0], host=CONTACT_LARGE[1]),
    Page("Users list, small account (growth)", "/account/users/", ADMIN_SMALL, "Users list"),
    Page(
        "Portal CDR, small customer (growth)",
        "/cdr/",
        CONTACT_SMALL[0],
        "Portal CDR",
        host=CONTACT_SMALL[1],
    ),
]
SIGN_INS = dict((CONTACT_LARGE, CONTACT_SMALL))  # contact e-mail → portal host


@dataclass
class Result:
    label: str
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    queries: int | None
    ratio_to_bare: float | None = None
    compared_with: str = ""
    ratio: float | None = None  # req/s of this page / req/s of the page compared with


def _database(tmp: Path) -> tuple[str, callable]:
    """A fresh database URL, and how to drop it."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    parts = urllib.parse.urlsplit(url)
    name = f"bench_{os.getpid()}"
    server = parts._replace(path="/postgres").geturl()

    def psql(sql):
        subprocess.run([shutil.which("psql") or "psql", server, "-qc", sql], check=True)

    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    return parts._replace(path=f"/{name}").geturl(), lambda: psql(f"DROP DATABASE {name}")


def _django(env, code: str) -> None:
    """Run ``code`` in a Django process of the bench settings (its progress bars on stderr)."""
    subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env, check=True
    )


QUERY_COUNTS = """
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.sessions import SESSION_HOST_KEY
from users.models import User
counts = {}
for label, path, email, host in json.loads(sys.argv[1]):
    client = Client(HTTP_HOST=host)
    if email and host != "127.0.0.1":  # a portal contact signs in through the portal's form
        client.post("/login/", {"email": email, "password": sys.argv[2]})
    elif email:
        client.force_login(User.all_accounts.get(email=email))
        session = client.session
        session[SESSION_HOST_KEY] = host
        session.save()
    client.get(path)  # warm: the per-process caches fill once
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    assert status == 200, (path, status)
    counts[label] = len(queries)
print(json.dumps(counts))
"""


def _query_counts(env) -> dict[str, int]:
    pages = json.dumps([(p.label, p.path, p.signed_in_as, p.host) for p in PAGES])
    output = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + QUERY_COUNTS, pages, PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def _sign_in(port: int, email: str, host: str = "127.0.0.1") -> str:
    """The Cookie header of a session signed in through the real sign-in form on ``host``."""

    def call(method, path, body=None, cookie=""):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie, "Host": host}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{host}/login/"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response

    def cookie(response, name):
        found = re.search(
            rf"{name}=([^;]+)", " ".join(response.headers.get_all("Set-Cookie") or [])
        )
        return found.group(1) if found else None

    csrf = cookie(call("GET", "/login/"), "csrftoken")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "email": email, "password": PASSWORD}
    )
    answer = call("POST", "/login/", body, cookie=f"csrftoken={csrf}")
    session = cookie(answer, "sessionid")
    if answer.status != 302 or session is None:
        raise SystemExit(f"could not sign in as {email} ({answer.status})")
    return f"sessionid={session}; csrftoken={csrf}"


def _wrk(
    port: int, page: Page, cookie: str, seconds: int, concurrency: int, script: str = "wrk.lua"
) -> dict:
    """wrk on ``page`` for ``seconds``; the figures ``script`` (in bench/) prints after BENCH."""
    output = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            f"-t{min(2, concurrency)}",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / script),
            f"http://127.0.0.1:{port}{page.path}",
        ],
        env={**os.environ, "BENCH_COOKIE": cookie, "BENCH_HOST": page.host},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.split("BENCH ", 1)[1])


def _wait(port: int, server) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer")


def environment(tmp: Path, database: str) -> dict:
    """The environment of every bench process: the bench settings on ``database``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database,
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }


def prepare(env, scale: Scale) -> None:
    """Migrate, collect the static files and seed at ``scale``."""
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    print(f"Seeding {scale}", file=sys.stderr)
    _django(env, f"from bench.seed import Scale, seed\nseed(Scale(**{asdict(scale)!r}))")


@contextmanager
def gunicorn(env, workers: int, extra: dict | None = None):
    """gunicorn with config/gunicorn.py on a free port, until the block ends: (port, process)."""
    port = _free_port()
    server = subprocess.Popen(
        [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env={
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            **(extra or {}),
        },
    )
    try:
        _wait(port, server)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(scale: Scale, seconds: int, concurrency: int, workers: int) -> list[Result]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    database, drop = _database(tmp)
    env = environment(tmp, database)
    try:
        prepare(env, scale)
        queries = _query_counts(env)
        with gunicorn(env, workers) as (port, _server):
            cookies = {email: _sign_in(port, email) for email in (ADMIN_LARGE, ADMIN_SMALL)}
            cookies |= {email: _sign_in(port, email, host) for email, host in SIGN_INS.items()}
            results = []
            for page in PAGES:
                cookie = cookies.get(page.signed_in_as, "")
                _wrk(port, page, cookie, 1, concurrency)  # warm up every worker
                figures = _wrk(port, page, cookie, seconds, concurrency)
                results.append(
                    Result(
                        label=page.label,
                        path=page.path,
                        requests_per_second=figures["requests"] / (figures["duration_us"] / 1e6),
                        p50_ms=figures["p50_us"] / 1000,
                        p99_ms=figures["p99_us"] / 1000,
                        errors=figures["socket_errors"] + figures["non_2xx"],
                        queries=queries.get(page.label),
                    )
                )
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    by_label = {r.label: r for r in results}
    for page, result in zip(PAGES, results, strict=True):
        result.ratio_to_bare = result.requests_per_second / by_label[BARE].requests_per_second
        if page.compare_with:
            result.compared_with = page.compare_with
            other = by_label[page.compare_with].requests_per_second
            result.ratio = result.requests_per_second / other
    return results


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def table(results: list[Result]) -> str:
    lines = [
        "| page | req/s | p50 | p99 | errors | queries | / bare | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        ratio = f"{r.ratio:.2f}× {r.compared_with}" if r.ratio is not None else ""
        lines.append(
            f"| {r.label} | {r.requests_per_second:.0f} | {r.p50_ms:.1f} ms | {r.p99_ms:.1f} ms "
            f"| {r.errors} | {r.queries if r.queries is not None else ''} "
            f"| {r.ratio_to_bare:.2f}× | {ratio} |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the test suite's scale")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results"))
    options = parser.parse_args(argv)
    scale = Scale.tiny() if options.tiny else Scale()
    results = run(scale, options.seconds, options.concurrency, options.workers)
    report = table(results)
    print(report)
    output = Path(options.output)
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "when": stamp,
        "scale": asdict(scale),
        "seconds": options.seconds,
        "concurrency": options.concurrency,
        "workers": options.workers,
        "database": "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite",
        "pages": [asdict(r) for r in results],
    }
    for name in (f"{stamp}.json", "latest.json"):
        (output / name).write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
