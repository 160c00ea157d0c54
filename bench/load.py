#!/usr/bin/env python
"""The load run (``make load``): reads and writes at once against gunicorn, then the database is
checked against what the writers did.

    .venv/bin/python bench/load.py [--tiny] [--seconds 60] [--concurrency 32] [--workers 2]

- Reads: one wrk a page (panel pages and a portal host's page), the concurrency split between
  them, for the whole run; 5xx answers are counted by bench/load.lua.
- Writes, at the same time, over HTTP: threads that rename their own staff users through the
  REST API (PATCH /api/v1/users/<id>, a token), threads that pay Account top-ups through the
  Payments form (CSRF token, session) on a local fake Stripe, which delivers each
  ``checkout.session.completed`` webhook twice (Stripe retries: it must credit once); and a
  separate process of threads recording package usage through ``packages.services.record_usage``,
  which is how the lookup side records it (there is no HTTP endpoint for usage).
- Memory: the RSS of each gunicorn worker (from /proc) once a second. Flat means each worker's
  last sample is at most max(1.2 × its sample at the end of the warm-up, that sample + 10 MB).
  The warm-up is the first sixth of the run (10 s of 60). Workers are not recycled during the
  run (GUNICORN_MAX_REQUESTS=0) so that a leak shows; a worker replaced is a failure.

Prints one table and exits 1 when any check fails: a 5xx or other error on a read, a write
refused or lost, a payment credited other than once, a usage total off, memory not flat.
"""

import argparse
import http.client
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    PAGES,
    PY,
    _database,
    _sign_in,
    _wrk,
    environment,
    gunicorn,
    prepare,
)
from bench.seed import ADMIN_LARGE, CONTACT_LARGE, Scale  # noqa: E402

READ_PAGES = [p for p in PAGES if p.label in ("Users list", "Audit Log", "Payments", "Portal CDR")]
TOP_UP = Decimal("25")
MEMORY_FACTOR = 1.2
MEMORY_SLACK_KB = 10 * 1024

# In a Django process of the bench settings: the writers' token, users, package; one JSON line.
SETUP = """
import json, sys
from decimal import Decimal
from accounts.actors import PLATFORM, Actor
from accounts.scopes import WRITE, grantable_scopes
from api.services import create_token
from packages.models import Package
from packages.services import enable_package
from users.models import User
admin = User.all_accounts.get(email=sys.argv[1])
account = admin.account
actor = Actor(admin, "127.0.0.1")
scopes = dict.fromkeys(grantable_scopes(actor.access), WRITE)  # users:write alone may not change
_, token = create_token(actor=actor, name="load", scopes=scopes)  # a user with other grants
users = list(
    User.objects.for_account(account).exclude(pk=admin.pk).order_by("pk")
    .values_list("pk", flat=True)[: int(sys.argv[2])]
)
package = Package.objects.create(
    name="HLR Load Lookup", area="hlr", destination="^4477", retail_price=Decimal("0.002")
)
enable_package(actor=PLATFORM, account=account, package_id=package.pk)
print(json.dumps({"token": token, "users": users, "package": package.pk, "account": account.pk,
                  "balance": str(account.balance)}))
"""

# In a Django process: threads recording usage until the deadline, as the lookup side does.
USAGE = """
import json, sys, threading, time
from django.db import connection
from django.utils import timezone
from accounts.models import Account
from packages.models import Package
from packages.services import record_usage
account_id, package_id, threads, seconds = (int(a) for a in sys.argv[1:5])
account, package = Account.objects.get(pk=account_id), Package.objects.get(pk=package_id)
results = []
def work(index):
    calls, quantity, charge, errors = 0, 0, 0, []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                recorded = record_usage(account, package, 1 + calls % 7, timezone.now())
            except Exception as exc:
                errors.append(repr(exc))
                time.sleep(0.05)
            else:
                quantity += recorded.quantity
                charge += recorded.charge
            calls += 1
            time.sleep(0.02)  # a lookup front end's pace, not a loop that holds SQLite's lock
    finally:
        connection.close()
    results.append({"calls": calls, "quantity": quantity, "charge": str(charge), "errors": errors})
pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
print(json.dumps(results))
"""

# In a Django process: what the database holds after the run; one JSON line.
CHECK = """
import json, sys
from datetime import datetime
from decimal import Decimal
from django.db.models import Count, Sum
from accounts.models import Account, AuditEntry
from packages.models import UsageRecord
from payment_gateways.models import BalanceEntry, Payment
from users.models import User
given = json.loads(sys.argv[1])
EIGHT = Decimal("1e-8")
account = Account.objects.get(pk=given["account"])
since = datetime.fromisoformat(given["since"])
users = User.objects.for_account(account).filter(pk__in=given["users"])
names = dict(users.values_list("pk", "name"))
payments = Payment.objects.for_account(account).filter(created__gte=since)
usage = UsageRecord.objects.for_account(account).filter(package_id=given["package"])
print(json.dumps({
    "names": {str(k): v for k, v in names.items()},
    "user_audits": AuditEntry.objects.for_account(account).filter(
        event="user.updated", created__gte=since, target_id__in=[str(u) for u in given["users"]]
    ).count(),
    "payments": dict(payments.values_list("status").annotate(n=Count("pk")).order_by()),
    "ledger": BalanceEntry.objects.for_account(account).filter(payment__in=payments).count(),
    "balance": str(account.balance),
    "usage_quantity": usage.aggregate(s=Sum("quantity"))["s"] or 0,
    # SQLite adds the hour's charges as floating point: compare at the column's 8 decimals.
    "usage_charge": str(Decimal(usage.aggregate(s=Sum("charge"))["s"] or 0).quantize(EIGHT)),
}))
"""


def _django_json(env, code: str, *args) -> object:
    output = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + code, *map(str, args)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@dataclass
class Writes:
    """What the HTTP writers did, filled in by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    edits: int = 0
    last_names: dict = field(default_factory=dict)  # user id → the name it was last given
    payments: int = 0
    failures: list = field(default_factory=list)  # (what, status or error)
    server_errors: int = 0

    def failed(self, what: str, status) -> None:
        with self.lock:
            self.failures.append((what, status))
            if isinstance(status, int) and status >= 500:
                self.server_errors += 1


def _call(connection, method, path, *, body=None, headers=None):
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response, response.read()


def _edit_users(port, token, users, writer, deadline, writes: Writes) -> None:
    """Rename each of ``users`` in turn through the REST API until the deadline."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Host": "127.0.0.1",
    }
    round_ = 0
    while time.monotonic() < deadline:
        for user in users:
            name = f"Load {writer}-{user}-{round_}"
            body = json.dumps({"name": name})
            try:
                response, _ = _call(
                    connection, "PATCH", f"/api/v1/users/{user}", body=body, headers=headers
                )
            except OSError as exc:
                writes.failed(f"PATCH user {user}", repr(exc))
                connection.close()
                continue
            if response.status != 200:
                writes.failed(f"PATCH user {user}", response.status)
                continue
            with writes.lock:
                writes.edits += 1
                writes.last_names[user] = name
        round_ += 1
    connection.close()


def _pay(port, cookie, stripe, deadline, writes: Writes) -> None:
    """Top the account up through the Payments form until the deadline; the fake Stripe delivers
    each payment's webhook twice."""
    csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "pay_via": "stripe",
            "amount": str(TOP_UP),
            "other_amount": "",
            "currency": "USD",
        }
    )
    headers = {
        "Cookie": cookie,
        "Host": "127.0.0.1",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline:
        try:
            response, _ = _call(
                connection, "POST", "/account/payments/new/", body=body, headers=headers
            )
        except OSError as exc:
            writes.failed("POST payment", repr(exc))
            connection.close()
            continue
        found = re.search(r"/pay/([^/?]+)", response.headers.get("Location") or "")
        if response.status != 302 or not found:
            writes.failed("POST payment", response.status)
            continue
        event = stripe.pay(found.group(1))  # the payer pays; the webhook is delivered
        stripe.deliver(event)  # and delivered again, as Stripe retries
        with writes.lock:
            writes.payments += 1
    connection.close()


class Memory:
    """The RSS of gunicorn's workers (the master's children), sampled from /proc."""

    def __init__(self, master: int, interval: float = 1.0):
        self.master, self.interval = master, interval
        self.samples: list[tuple[float, dict[int, int]]] = []  # (seconds in, {pid: RSS kB})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.master}/task/{self.master}/children").read_text()
            return [int(pid) for pid in text.split()]
        except OSError:
            return []

    @staticmethod
    def rss_kb(pid: int) -> int | None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        return int(found.group(1)) if found else None

    def _run(self):
        start = time.monotonic()
        while not self._stop.is_set():
            sizes = {pid: self.rss_kb(pid) for pid in self.workers()}
            self.samples.append((time.monotonic() - start, {p: s for p, s in sizes.items() if s}))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def verdict(self, warmup: float) -> list[tuple[int, int, int, int]]:
        """(pid, kB after the warm-up, kB at the end, limit kB) for each worker."""
        after = next((s for t, s in self.samples if t >= warmup), self.samples[-1][1])
        last = self.samples[-1][1]
        return [
            (pid, kb, last.get(pid, 0), max(int(kb * MEMORY_FACTOR), kb + MEMORY_SLACK_KB))
            for pid, kb in sorted(after.items())
        ]


@dataclass
class Check:
    label: str
    expected: str
    actual: str
    ok: bool


def _stripe():
    """A local fake Stripe for the platform's top-ups (the suite's fake, tests/fakes/)."""
    from tests.fakes.stripe_api import FakeStripe

    fake = FakeStripe()
    fake.start()
    return fake, fake.add_account()


def run(scale: Scale, seconds: int, concurrency: int, workers: int, writers: int) -> list[Check]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    database, drop = _database(tmp)
    env = environment(tmp, database)
    stripe, stripe_account = _stripe()
    secret = "whsec_" + secrets.token_hex(16)
    env |= {
        "STRIPE_API_BASE": stripe.url,
        "PLATFORM_STRIPE_SECRET_KEY": stripe_account.secret_key,
        "PLATFORM_STRIPE_PUBLISHABLE_KEY": stripe_account.publishable_key,
        "PLATFORM_STRIPE_MODE": "test",
        "PLATFORM_STRIPE_WEBHOOK_SECRET": secret,
        # The writers and the fake Stripe all call from 127.0.0.1: not the rate limits' subject.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        "WEBHOOKS_PER_MINUTE": "1000000",
    }
    per_writer = 5
    try:
        prepare(env, scale)
        given = _django_json(env, SETUP, ADMIN_LARGE, writers * per_writer)
        since = datetime.now(UTC).isoformat()
        with gunicorn(env, workers, {"GUNICORN_MAX_REQUESTS": "0"}) as (port, server):
            stripe.add_webhook_endpoint(
                f"http://127.0.0.1:{port}/webhooks/platform/stripe/", secret
            )
            cookies = {
                ADMIN_LARGE: _sign_in(port, ADMIN_LARGE),
                CONTACT_LARGE[0]: _sign_in(port, *CONTACT_LARGE),
            }
            writes = Writes()
            each = max(1, concurrency // len(READ_PAGES))
            with ThreadPoolExecutor(len(READ_PAGES)) as pool:  # every worker renders every page
                for page in READ_PAGES:
                    pool.submit(_wrk, port, page, cookies[page.signed_in_as], 1, each, "load.lua")
            with Memory(server.pid) as memory, ThreadPoolExecutor(32) as pool:
                usage = subprocess.Popen(
                    [
                        PY,
                        "-c",
                        "import django; django.setup()\n" + USAGE,
                        *map(str, (given["account"], given["package"], writers, seconds)),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                deadline = time.monotonic() + seconds
                reads = [
                    pool.submit(
                        _wrk, port, page, cookies[page.signed_in_as], seconds, each, "load.lua"
                    )
                    for page in READ_PAGES
                ]
                users = given["users"]
                jobs = [
                    pool.submit(
                        _edit_users,
                        port,
                        given["token"],
                        users[w * per_writer : (w + 1) * per_writer],
                        w,
                        deadline,
                        writes,
                    )
                    for w in range(writers)
                ]
                jobs += [
                    pool.submit(_pay, port, cookies[ADMIN_LARGE], stripe, deadline, writes)
                    for _ in range(max(1, writers // 2))
                ]
                for job in jobs:
                    job.result()
                figures = [read.result() for read in reads]
                used = json.loads(usage.communicate(timeout=seconds + 120)[0].splitlines()[-1])
                if usage.returncode:
                    raise SystemExit("the usage writers failed")
            replaced = set(memory.samples[0][1]) != set(memory.samples[-1][1])
        found = _django_json(env, CHECK, json.dumps({**given, "since": since}))
    finally:
        stripe.stop()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    return _checks(given, found, writes, figures, used, memory, replaced, seconds, stripe)


def _checks(given, found, writes, figures, used, memory, replaced, seconds, stripe):
    requests = sum(f["requests"] for f in figures)
    fives = sum(f["server_errors"] for f in figures) + writes.server_errors
    other = sum(f["socket_errors"] + f["non_2xx"] - f["server_errors"] for f in figures)
    landed = sum(found["names"].get(str(u)) == n for u, n in writes.last_names.items())
    statuses = found["payments"]
    delivered = [status for _, status in stripe.deliveries]
    usage_errors = [e for u in used for e in u["errors"]]
    quantity = sum(u["quantity"] for u in used)
    charge = sum(Decimal(u["charge"]) for u in used)
    expected_balance = Decimal(given["balance"]) + TOP_UP * writes.payments
    checks = [
        Check(
            "reads (wrk)", "> 0 requests", f"{requests} ({requests / seconds:.0f}/s)", requests > 0
        ),
        *(
            Check(
                f"reads: {page.label}",
                "no 5xx",
                f"{f['requests'] / (f['duration_us'] / 1e6):.0f}/s, "
                f"p50 {f['p50_us'] / 1000:.0f} ms, p99 {f['p99_us'] / 1000:.0f} ms, "
                f"{f['server_errors']} 5xx",
                f["requests"] > 0 and f["server_errors"] == 0,
            )
            for page, f in zip(READ_PAGES, figures, strict=True)
        ),
        Check("5xx answers (reads and writes)", "0", str(fives), fives == 0),
        Check("other read errors (4xx, socket)", "0", str(other), other == 0),
        Check(
            "writes refused or failed",
            "0",
            f"{len(writes.failures)} {writes.failures[:3] or ''}".strip(),
            not writes.failures,
        ),
        Check(
            "user edits landed (last name given)",
            f"{len(writes.last_names)} users",
            f"{landed}",
            landed == len(writes.last_names) > 0,
        ),
        Check(
            "user edits audited",
            str(writes.edits),
            str(found["user_audits"]),
            found["user_audits"] == writes.edits > 0,
        ),
        Check(
            "payments completed",
            str(writes.payments),
            json.dumps(statuses),
            statuses == {"completed": writes.payments} and writes.payments > 0,
        ),
        Check(
            "webhook deliveries answered 200",
            str(2 * writes.payments),
            str(delivered.count(200)),
            delivered == [200] * (2 * writes.payments),
        ),
        Check(
            "payments credited once (ledger)",
            str(writes.payments),
            str(found["ledger"]),
            found["ledger"] == writes.payments,
        ),
        Check(
            "balance",
            f"{expected_balance:.2f}",
            f"{Decimal(found['balance']):.2f}",
            Decimal(found["balance"]) == expected_balance,
        ),
        Check("usage recordings refused", "0", str(len(usage_errors)), not usage_errors),
        Check(
            "usage quantity",
            str(quantity),
            str(found["usage_quantity"]),
            found["usage_quantity"] == quantity > 0,
        ),
        Check(
            "usage charge",
            f"{charge:.8f}",
            found["usage_charge"],
            Decimal(found["usage_charge"]) == charge,
        ),
        Check("gunicorn workers replaced", "none", "some" if replaced else "none", not replaced),
    ]
    for pid, after, last, limit in memory.verdict(seconds / 6):
        checks.append(
            Check(
                f"worker {pid} RSS, after warm-up → end",
                f"≤ {limit / 1024:.0f} MB",
                f"{after / 1024:.0f} → {last / 1024:.0f} MB",
                0 < last <= limit,
            )
        )
    if usage_errors:
        print("usage errors:", usage_errors[:5], file=sys.stderr)
    return checks


def table(checks: list[Check]) -> str:
    lines = ["| check | expected | actual | |", "| --- | ---: | ---: | --- |"]
    lines += [
        f"| {c.label} | {c.expected} | {c.actual} | {'ok' if c.ok else 'FAILED'} |" for c in checks
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="the test suite's scale of data")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=32, help="wrk's connections in all")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's workers")
    parser.add_argument("--writers", type=int, default=4, help="threads of each kind of write")
    options = parser.parse_args(argv)
    scale = Scale.tiny() if options.tiny else Scale()
    checks = run(scale, options.seconds, options.concurrency, options.workers, options.writers)
    print(table(checks))
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
