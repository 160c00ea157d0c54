"""Two app servers behind one address, as on several machines behind a load balancer: separate
gunicorn processes on two ports sharing PostgreSQL and Redis, with an RQ worker process running
the tasks. Nothing a request needs may live in one process's memory.

Runs on PostgreSQL with Redis (CI's PostgreSQL run); SQLite's in-memory test database cannot be
shared between processes.
"""

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from accounts.permissions import ALLOW, DENY
from tests.fakes.smtp_server import FakeSMTPServer, free_port
from tests.fixtures import PASSWORD
from users.forms import GroupForm
from users.models import GroupMembership, PermissionGroup

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PANEL = "panel.example.com"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (a database two processes share)",
    ),
    pytest.mark.django_db(transaction=True),
]


class Browser:
    """One visitor's cookie jar, sending each request to whichever server it is given."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port, method, path, data=None, host=PANEL):
        headers = {"Host": host, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{host}"
            headers["Referer"] = f"https://{host}{path}"
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        client.request(method, path, body=body, headers=headers)
        response = client.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        response.text = response.read().decode()
        return response

    def get(self, port, path, host=PANEL):
        return self.request(port, "GET", path, host=host)

    def post(self, port, path, data, host=PANEL):
        self.get(port, path if path.endswith("/") else "/", host=host)  # a CSRF cookie first
        return self.request(port, "POST", path, data, host=host)


def _wait_for_port(port, process, seconds=40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}")


@pytest.fixture
def platform(tmp_path):
    """Two app servers, an RQ worker and a mail server; yields (port_a, port_b, smtp)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis answers at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    db = connection.settings_dict
    smtp = FakeSMTPServer().start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "m" * 60,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PANEL_BASE_URL": f"https://{PANEL}",
        "PANEL_HOSTS": PANEL,
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": REDIS_URL,
        "TASK_BACKEND": "rq",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_WORKERS": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    processes, ports = [], []
    for _ in range(2):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        ports.append(port)
    processes.append(
        subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    )
    try:
        for port, process in zip(ports, processes, strict=False):
            _wait_for_port(port, process)
        yield ports[0], ports[1], smtp
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()


def _sign_in(browser, port, user):
    # The servers run the production settings, whose hashers do not read the tests' fast MD5.
    user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])
    answer = browser.post(port, "/login/", {"email": user.email, "password": PASSWORD})
    assert answer.status == 302, answer.text


def test_two_app_servers_share_sessions_permissions_tasks_and_the_portal_cache(world, platform):
    port_a, port_b, smtp = platform
    group = PermissionGroup.objects.create(
        account=world["a"], name="Staff admins", permissions={"users": ALLOW}
    )
    GroupMembership.objects.create(account=world["a"], user=world["user_a"], group=group)

    # Signed in through A, the session goes on through B.
    user = Browser()
    _sign_in(user, port_a, world["user_a"])
    assert user.get(port_b, "/account/users/").status == 200

    # A group's permissions changed through A are enforced by B at the next request.
    admin = Browser()
    _sign_in(admin, port_a, world["admin_a"])
    data = {"name": group.name, f"{GroupForm.PREFIX}users": DENY}
    saved = admin.post(port_a, f"/account/users/groups/{group.pk}/", data)
    assert saved.status == 302, saved.text
    assert user.get(port_b, "/account/users/").status == 403

    # A task enqueued through B (the password-reset mail) is run by the RQ worker process.
    visitor = Browser()
    asked = visitor.post(port_b, "/password-reset/", {"email": world["admin_a"].email})
    assert asked.status == 302, asked.text
    assert smtp.arrived.wait(timeout=30), "the RQ worker sent no mail"
    assert any(world["admin_a"].email in m["To"] for m in smtp.messages)

    # The portal is served through both; a domain deleted through A stops being served by B.
    portal = world["portal_domain_a"].domain
    assert "Alpha Customer Hub" in Browser().get(port_b, "/login/", host=portal).text
    deleted = admin.post(
        port_a, "/account/domains/delete/", {"selected": [world["portal_domain_a"].pk]}
    )
    assert deleted.status == 302, deleted.text
    assert Browser().get(port_b, "/login/", host=portal).status == 404
