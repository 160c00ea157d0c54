"""Production settings refuse to start without their secrets, with a message saying which."""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = "dGVzdC1rZXktb25lLWZvci1lbmNyeXB0ZWQtZmllbGQ="


def _start(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PANEL_BASE_URL")
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


BASE = "https://panel.example.com"


def test_production_needs_a_secret_key():
    result = _start(FIELD_ENCRYPTION_KEYS=KEY, PANEL_BASE_URL=BASE)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_needs_encryption_keys():
    result = _start(DJANGO_SECRET_KEY="x" * 60, PANEL_BASE_URL=BASE)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_needs_the_panel_base_url():
    """Links in mail come from it; without it production would have to trust the Host header."""
    result = _start(DJANGO_SECRET_KEY="x" * 60, FIELD_ENCRYPTION_KEYS=KEY)
    assert result.returncode != 0
    assert "PANEL_BASE_URL must be set" in result.stderr


def test_production_starts_with_all_three():
    result = _start(DJANGO_SECRET_KEY="x" * 60, FIELD_ENCRYPTION_KEYS=KEY, PANEL_BASE_URL=BASE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("panel.example.com", "absolute http:// or https://"),
        ("ftp://panel.example.com", "absolute http:// or https://"),
        ("https://panel.example.com/console", "no path"),
        ("https://panel.example.com/?x=1", "no path"),
        ("https://panel.example.com", None),
        ("http://127.0.0.1:8000/", None),
    ],
)
def test_the_panel_base_url_is_checked(settings, value, problem):
    from accounts.checks import panel_base_url_usable

    settings.PANEL_BASE_URL = value
    errors = panel_base_url_usable(None)
    if problem is None:
        assert errors == []
    else:
        assert [e.id for e in errors] == ["accounts.E002"] and problem in errors[0].msg


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_redis_url_switches_the_cache_to_redis():
    """A value one process stores is read by another: the cache is the Redis server."""
    if not _redis_up():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but no Redis answers on 127.0.0.1:6379")
        pytest.skip("no Redis on 127.0.0.1:6379")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    token = secrets.token_hex(8)

    def run(code):
        setup = "import django; django.setup(); from django.core.cache import cache; "
        result = subprocess.run(
            [sys.executable, "-c", setup + code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    run(f"cache.set('probe', '{token}', 60)")
    assert run("print(cache.get('probe'))") == token
    # The backend that degrades while Redis is down (accounts/cache.py, tests/test_faults.py).
    backend = "from django.core.cache import caches; print(type(caches['default']).__name__)"
    assert run(backend) == "DegradingRedisCache"
