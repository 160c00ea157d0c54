"""/healthz and /readyz: answered on every host without sign-in, a word per dependency, 503
naming the one that fails (a database that is not there, a Redis that was stopped), never a
host, port, user or tenant."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts import health

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _body(response) -> dict:
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def _redis_cache(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/15",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


# --- liveness -----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["testserver", "portal.alpha.test", "nobody.example"])
def test_healthz_answers_on_every_host_without_the_database(db, host):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    assert _body(response) == {"status": "ok"}
    assert len(queries) == 0
    assert response["X-Request-ID"]


def test_a_portal_host_gets_the_probes_but_not_the_portal_routing(world):
    """A Verified portal host (served by the tenant middleware) answers the probe itself, and
    an unknown host, which the tenant middleware answers 404, still answers the probe."""
    client = Client()
    assert client.get("/login/", HTTP_HOST="nobody.example").status_code == 404
    for host in (world["portal_host_a"], "nobody.example"):
        assert client.get("/readyz", HTTP_HOST=host).status_code == 200


def test_probes_take_only_get_and_head(db):
    client = Client()
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200


def test_probes_are_not_redirected_to_https(db):
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()
        assert client.get("/login/").status_code == 301
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_probes_need_no_sign_in_even_where_two_factor_is_required(client_admin_a):
    """A signed-in session does not change the answer (no enrolment redirect, no account)."""
    response = client_admin_a.get("/readyz")
    assert response.status_code == 200
    assert set(_body(response)) == {"database", "migrations"}


# --- readiness ----------------------------------------------------------------------------------


def test_readyz_is_ok_with_the_database_up_and_names_each_dependency(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert _body(response) == {"database": "ok", "migrations": "ok"}


def test_readyz_checks_the_database_task_backend_when_it_is_the_one(db):
    database_tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database_tasks):
        response = Client().get("/readyz")
    assert response.status_code == 200
    assert _body(response)["tasks"] == "ok"


def test_readyz_is_503_naming_the_cache_when_redis_does_not_answer(db):
    closed = _free_port()  # nothing listens there
    with override_settings(CACHES=_redis_cache(closed)):
        response = Client().get("/readyz")
    assert response.status_code == 503
    body = _body(response)
    assert body == {"database": "ok", "migrations": "ok", "cache": "unreachable"}
    assert str(closed) not in response.content.decode()
    assert "redis" not in response.content.decode().lower()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, on a free port, that the test may stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (redis-server from PATH, fixed arguments)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_readyz_follows_redis_going_away(db, own_redis):
    port, process = own_redis
    with override_settings(CACHES=_redis_cache(port)):
        client = Client()
        up = client.get("/readyz")
        assert up.status_code == 200
        assert _body(up)["cache"] == "ok"

        process.terminate()
        process.wait(timeout=10)
        down = client.get("/readyz")
        assert down.status_code == 503
        assert _body(down) == {"database": "ok", "migrations": "ok", "cache": "unreachable"}


def test_probes_answer_in_a_few_milliseconds(db):
    client = Client()
    client.get("/readyz")  # the first call reads the migration graph once
    timings = {}
    for path in ("/healthz", "/readyz"):
        started = time.perf_counter()
        for _ in range(20):
            assert client.get(path).status_code == 200
        timings[path] = (time.perf_counter() - started) / 20 * 1000
    print(f"mean latency in the test client: {timings}")
    # Generous on a shared CI machine; typically ~1 ms and ~2 ms.
    assert timings["/healthz"] < 100
    assert timings["/readyz"] < 200


def test_the_migration_answer_is_remembered_once_true(db, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    assert health._migrations() == health.OK
    with CaptureQueriesContext(connection) as queries:
        assert health._migrations() == health.OK
    assert len(queries) == 0


# --- in a real app server whose database is missing -------------------------------------------


@pytest.fixture
def app_server(tmp_path):
    """Start gunicorn (config.wsgi, the test settings) with the given DATABASE_URL; yields a
    function that GETs a path and returns (status, body, milliseconds)."""
    started = []

    def start(database_url: str):
        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url,
        }
        process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

        def get(path: str):
            begun = time.perf_counter()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    status, body = r.status, r.read()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            return status, body.decode(), (time.perf_counter() - begun) * 1000

        return get

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_with_an_unreachable_database_healthz_lives_and_readyz_says_which(app_server):
    get = app_server("postgres://postgres@127.0.0.1:1/no_such_database")
    status, body, _ = get("/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, body, elapsed = get("/readyz")
    assert status == 503
    assert json.loads(body) == {"database": "unreachable", "migrations": "not checked"}
    for leak in ("127.0.0.1", "5432", ":1", "postgres", "no_such_database"):
        assert leak not in body
    print(f"readyz with the database down: {elapsed:.1f} ms")


def test_with_migrations_not_applied_readyz_says_pending(app_server, tmp_path):
    get = app_server(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    status, body, _ = get("/readyz")
    assert status == 503
    assert json.loads(body) == {"database": "ok", "migrations": "pending"}


# --- the system checks --------------------------------------------------------------------------


def test_the_checks_refuse_bad_operations_settings(settings, monkeypatch, tmp_path):
    from accounts import checks

    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "not-an-ip", "0.0.0.0/0"]
    assert [p.id for p in checks.metrics_allowed_ips_usable(None)] == [
        "accounts.E003",
        "accounts.W003",
    ]
    settings.LOG_FORMAT = "xml"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    assert [p.id for p in checks.operations_settings_usable(None)] == [
        "accounts.E004",
        "accounts.E005",
    ]
    settings.LOG_FORMAT = "console"
    settings.SENTRY_DSN = "http://key@sentry.internal/1"
    assert [p.id for p in checks.production_operations(None)] == [
        "accounts.W004",
        "accounts.W005",
    ]


def test_the_deploy_check_is_clean_with_the_production_defaults():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-production-key-" + "x" * 40,
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1rZXktb25lLWZvci1lbmNyeXB0ZWQtZmllbGQ=",
        "PANEL_BASE_URL": "https://panel.example.com",
        "SENTRY_DSN": "https://0123@sentry.example.com/1",
    }
    env.pop("LOG_FORMAT", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it for this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_several_gunicorn_workers_add_up_in_one_scrape(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: whichever worker answers /metrics counts every worker's
    requests (config/gunicorn.py)."""
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(12):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
    line = 'panel_http_requests_total{method="GET",status="200",view="accounts:healthz"}'
    (count,) = [float(row.split()[-1]) for row in text.splitlines() if row.startswith(line)]
    assert count == 12
    assert len(list(metrics_dir.glob("counter_*.db"))) >= 2  # both workers wrote
