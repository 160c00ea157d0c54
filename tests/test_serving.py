"""The production way of serving (config/gunicorn.py, `make serve`): gunicorn starts with the
repository's configuration and production settings, preloads the app and answers on its port."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, **headers) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers=headers)
    return connection.getresponse()


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "s" * 60,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PANEL_BASE_URL": "https://panel.example.com",
        "PANEL_HOSTS": "panel.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BEHIND_TLS_PROXY": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_serves_the_panel_with_the_repository_configuration(gunicorn):
    port, process = gunicorn
    assert process.poll() is None, process.stdout.read()
    # Plain HTTP is sent to HTTPS; through the TLS proxy the sign-in page is served.
    assert _get(port, "/login/", Host="panel.example.com").status == 301
    page = _get(port, "/login/", Host="panel.example.com", **{"X-Forwarded-Proto": "https"})
    assert page.status == 200
    assert b"Sign in" in page.read()
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    process.terminate()
    log = process.communicate(timeout=30)[0]
    assert "Booting worker" in log
    assert "GET users:login 200" in log  # the app's own line per request (accounts/logs.py)
