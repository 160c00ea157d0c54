"""Every test is watched for what must never leave the panel: each log line, formatted as
production writes it (INFO and above, JSON), and every metric label value, is searched for an
e-mail address, the fixtures' tenant names and passwords, and secret-key shapes; every mail sent
(its subject, bodies and text attachments) for the passwords and secret-key shapes (mail names
people and tenants by design). A test during which one appears fails at teardown, naming it."""

import logging
import re

import pytest
from django.core import mail
from prometheus_client import REGISTRY

from accounts.logs import JSONFormatter
from accounts.masking import EMAIL

TENANT_NAMES = ("Alpha Networks", "Bravo Carrier")
FIXTURE_SECRETS = ("Correct-Horse-42!",)
SECRET_SHAPES = re.compile(r"\b(?:sk|rk)_(?:test|live)_\w{6,}|\bwhsec_\w{6,}")


def secrets_in(text: str) -> list[str]:
    found = ["a fixture password" for s in FIXTURE_SECRETS if s in text]
    return found + [f"secret {m[:10]}…" for m in SECRET_SHAPES.findall(text)]


def problems_in(text: str) -> list[str]:
    found = [f"e-mail {m}" for m in EMAIL.findall(text)]
    found += [f"tenant name {n!r}" for n in TENANT_NAMES if n in text]
    return found + secrets_in(text)


class _Watch(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)  # what production writes (LOG_LEVEL=INFO)
        self.setFormatter(JSONFormatter())
        self.found: list[str] = []

    def emit(self, record):
        try:
            line = self.format(record)
        except Exception as exc:  # a line that cannot be written is a finding too
            line = f"unformattable {record.name}: {exc!r}"
            self.found.append(line)
            return
        for problem in problems_in(line):
            self.found.append(f"{problem} in a log line: {line[:300]}")


def _mail_texts():
    """What each mail of the test's outbox says: subject, bodies, text attachments."""
    for message in getattr(mail, "outbox", []):
        parts = [message.subject, message.body]
        parts += [content for content, _ in getattr(message, "alternatives", [])]
        for attachment in message.attachments:
            content = attachment[1] if isinstance(attachment, tuple) else attachment.get_payload()
            if isinstance(content, str):
                parts.append(content)
        yield message.subject, "\n".join(str(part) for part in parts)


def _label_values():
    for family in REGISTRY.collect():
        for sample in family.samples:
            for key, value in sample.labels.items():
                yield family.name, key, value


@pytest.fixture(scope="session")
def production_log_level():
    """Records at INFO are made (as in production), while the console keeps its own level."""
    root = logging.getLogger()
    level = root.level
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            handler.setLevel(level)
    root.setLevel(min(level, logging.INFO))
    yield
    root.setLevel(level)


@pytest.fixture(autouse=True)
def nothing_personal_leaves(production_log_level):
    watch = _Watch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield
    finally:
        root.removeHandler(watch)
    found = list(watch.found)
    for name, key, value in _label_values():
        found += [f"{p} in the label {name}{{{key}}}" for p in problems_in(value)]
    for subject, text in _mail_texts():
        found += [f"{p} in the mail {subject!r}" for p in secrets_in(text)]
    if found:
        pytest.fail("Personal data or a secret left:\n" + "\n".join(dict.fromkeys(found)))
