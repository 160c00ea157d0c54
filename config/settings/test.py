"""Test settings: fast hashing, mail captured in memory, tasks inline, fixed throw-away keys."""

from .base import *

DEBUG = False
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
FIELD_ENCRYPTION_KEYS = ["dGVzdC1rZXktb25lLWZvci1lbmNyeXB0ZWQtZmllbGQ="]
PANEL_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PANEL_BASE_URL = "http://testserver"  # the test Client's default host
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": TASK_BACKENDS["immediate"]}}
STORAGES = {
    # Uploaded files (portal logos) stay in memory: tests write nothing to disk.
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INSTALLED_APPS = [*INSTALLED_APPS, "tests.support"]
LOGGING["root"]["level"] = "WARNING"

# Serve static files straight from static/ (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Gateways: nothing listens on the discard port, so a test that forgets its fake server fails
# fast instead of calling the real PayPal or Stripe. Tests point these at tests/fakes servers.
STRIPE_API_BASE = "http://127.0.0.1:9"
PAYPAL_API_BASE = "http://127.0.0.1:9"
PAYPAL_SANDBOX_API_BASE = "http://127.0.0.1:9"
# Portal domains: a fixed CNAME target and platform zone. DNS goes to a closed local port unless a
# test starts tests/fakes/dns_server.py and points these at it, so no test reaches the real DNS.
PORTAL_CNAME_TARGET = "portals.console.test"
PLATFORM_DOMAINS = ["console.test"]
DNS_RESOLVER_NAMESERVERS = ["127.0.0.1"]
DNS_RESOLVER_PORT = 9
# Tests empty the cache between tests (tests/conftest.py): never a shared Redis from REDIS_URL.
# Tests that exercise Redis point a cache at it themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The browser tests open portals on *.localhost (Chromium resolves it to this machine).
INTERNAL_DOMAIN_SUFFIXES = [s for s in INTERNAL_DOMAIN_SUFFIXES if s != "localhost"]

# SMTP: tests start aiosmtpd on loopback and add its port (tests/fakes/smtp_server.py); mail retries
# come at once. SMS are kept in accounts.sms.outbox unless a test points the http backend at a fake.
SMTP_ALLOW_PRIVATE_HOSTS = True
SMTP_TIMEOUT_SECONDS = 2
MAIL_RETRY_DELAYS = [0, 0]
SMS_BACKEND = "locmem"
SMS_GATEWAY_URL = "http://127.0.0.1:9"
# Health checks talk to SIP responders the tests start on loopback (tests/fakes/sip_server.py).
SIP_ALLOW_PRIVATE_TARGETS = True

# Passkeys: the test Client's host is the RP ID and its origin the one allowed (the browser tests
# override both with their live server on localhost).
WEBAUTHN_RP_ID = "testserver"
WEBAUTHN_ORIGINS = ["http://testserver"]
