"""Production settings refuse to start without their secrets, with a message saying which."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "dGVzdC1rZXktb25lLWZvci1lbmNyeXB0ZWQtZmllbGQ="


def _start(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS")
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


def test_production_needs_a_secret_key():
    result = _start(FIELD_ENCRYPTION_KEYS=KEY)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_needs_encryption_keys():
    result = _start(DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_starts_with_both():
    result = _start(DJANGO_SECRET_KEY="x" * 60, FIELD_ENCRYPTION_KEYS=KEY)
    assert result.returncode == 0, result.stderr
