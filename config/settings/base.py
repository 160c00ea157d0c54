"""Settings shared by every environment; each value can come from the environment."""

from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# The tenant middleware is the host check: portal domains are tenants' own and cannot be listed
# here, so every host reaches it and anything that is neither a panel host nor a Verified portal
# domain gets a 404 that names no tenant.
ALLOWED_HOSTS = ["*"]
PANEL_HOSTS = env.list("PANEL_HOSTS", default=["127.0.0.1", "localhost"])
# The panel's public address: scheme, host and port, no path (https://panel.example.com). Links in
# mail (password reset, invitations) and the webhook URLs are built from it, never from the Host
# header of a request. Required in production; dev and test settings derive one.
PANEL_BASE_URL = env("PANEL_BASE_URL", default="").rstrip("/")
# Number of reverse proxies in front of the app whose X-Forwarded-For can be trusted. Behind
# them (a count above 0) the X-Request-ID they send is the request id; the first must set it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# /metrics answers only to these addresses or networks (the caller's address as client_ip sees
# it, through the trusted proxies), and never on a portal host.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Load balancers probe over plain HTTP: the probes are never redirected to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
]
# This project's own apps. The demo command and the tests' `world` fixture call each app's
# optional `<app>.demo.populate(...)` and `<app>.tests.world.populate(...)` hooks in this order.
PROJECT_APPS = [
    "accounts",
    "users",
    "payment_gateways",
    "domains",
    "portal",
    "packages",
    "servers",
    "invoices",
    "api",
]
INSTALLED_APPS += PROJECT_APPS
INSTALLED_APPS.append("ninja")  # the REST API (api/): OpenAPI docs templates and static files

MIDDLEWARE = [
    # First: the request id, the request's log line and its metrics (accounts/logs.py).
    "accounts.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /healthz, /readyz, /metrics on every host, before sessions, sign-in and host routing.
    "accounts.middleware.OperationsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets the browser-id cookie after a sign-in (Device management, accounts/security.py).
    "accounts.security.BrowserCookieMiddleware",
    # Before CommonMiddleware, so an unknown host gets its 404 and not a slash redirect.
    "accounts.middleware.TenantMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sends a user who must use two-factor login (the account's policy) to its set-up first.
    "users.middleware.TwoFactorEnrolmentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.DialogRedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.shell",
            ],
            "builtins": ["accounts.templatetags.panel"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes writing at once (gunicorn's workers, the task worker, manage.py): a
    # transaction takes SQLite's write lock when it begins, and waits up to SQLITE_TIMEOUT
    # seconds for it. SQLite's default (DEFERRED, 5 s) fails a transaction that read before it
    # wrote at once with "database is locked" when another process writes: a 500 under load
    # (bench/load.py found it on record_usage).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env.float("SQLITE_TIMEOUT", default=20.0)}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# A Redis that stops answering fails a request (and /readyz) after this many seconds, not never.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=2)
# The cache degrades while Redis is down (accounts/cache.py): every call answers as a miss, and
# after a failure Redis is not asked again for REDIS_RETRY_SECONDS (so a hung Redis costs a
# request one REDIS_TIMEOUT_SECONDS at most). Cache-counted flood limits fail open meanwhile.
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=10)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "accounts.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["users.backends.EmailBackend"]
LOGIN_URL = "users:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "users:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        # The panel's users have an e-mail and one name field (not username / first / last).
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "users.validators.PasswordRulesValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
# How long an invitation link stays valid (it also stops working once used).
INVITATION_MAX_AGE = env.int("INVITATION_MAX_AGE", default=60 * 60 * 72)

# Login throttling: this many failures for one (email, IP) pair within the window lock that pair
# for the window; an IP that fails this many times over any emails is locked as a whole.
LOGIN_FAILURES_PER_PAIR = env.int("LOGIN_FAILURES_PER_PAIR", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=20)
LOGIN_FAILURES_PER_EMAIL = env.int("LOGIN_FAILURES_PER_EMAIL", default=50)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", default=15)
# Second-factor codes (users/code_throttle.py): wrong codes per user, and per address, within
# the window lock them for the window.
CODE_FAILURES_PER_USER = env.int("CODE_FAILURES_PER_USER", default=5)
CODE_FAILURES_PER_IP = env.int("CODE_FAILURES_PER_IP", default=20)
CODE_LOCK_MINUTES = env.int("CODE_LOCK_MINUTES", default=15)
# How long an e-mail change link stays valid (seconds); it also stops working once used.
EMAIL_CHANGE_MAX_AGE = env.int("EMAIL_CHANGE_MAX_AGE", default=60 * 60 * 24)
PASSWORD_RESETS_PER_EMAIL = env.int("PASSWORD_RESETS_PER_EMAIL", default=3)
PASSWORD_RESETS_PER_IP = env.int("PASSWORD_RESETS_PER_IP", default=10)
# Passkey sign-in challenges handed out per caller (address, IPv6 /64) and minute.
PASSKEY_OPTIONS_PER_MINUTE = env.int("PASSKEY_OPTIONS_PER_MINUTE", default=30)
# Calls of one gateway webhook endpoint per caller (address, IPv6 /64) and minute; past it 429
# (payment_gateways/payments/webhooks.py). Generous: a gateway's retries come in bursts.
WEBHOOKS_PER_MINUTE = env.int("WEBHOOKS_PER_MINUTE", default=300)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Names of private networks: refused as portal domains, never echoed from a DNS check.
INTERNAL_DOMAIN_SUFFIXES = env.list(
    "INTERNAL_DOMAIN_SUFFIXES",
    default=[
        "local",
        "localhost",
        "internal",
        "intranet",
        "lan",
        "home.arpa",
        "localdomain",
        "corp",
        "svc",
        "cluster.local",
    ],
)
# Portal domains (Domains tab). Customers point their portal domain at PORTAL_CNAME_TARGET with a
# CNAME record; a Check resolves it through DNS_RESOLVER_NAMESERVERS (empty: the system's resolvers
# from /etc/resolv.conf) on DNS_RESOLVER_PORT, giving up after DNS_RESOLVER_LIFETIME seconds.
# PLATFORM_DOMAINS (and everything under them) can never be claimed as a tenant's portal.
# Development only: a Check of a name under .localhost (which browsers send to this machine)
# succeeds without DNS, so the demo portals stay Verified.
VERIFY_LOCALHOST_DOMAINS = False
PORTAL_CNAME_TARGET = env("PORTAL_CNAME_TARGET", default="portals.voip-console.example")
PLATFORM_DOMAINS = env.list("PLATFORM_DOMAINS", default=[])
DNS_RESOLVER_NAMESERVERS = env.list("DNS_RESOLVER_NAMESERVERS", default=[])
DNS_RESOLVER_PORT = env.int("DNS_RESOLVER_PORT", default=53)
DNS_RESOLVER_LIFETIME = env.float("DNS_RESOLVER_LIFETIME", default=3.0)
# How long a host → portal answer is cached (it is also forgotten on commit when a domain changes).
PORTAL_HOST_CACHE_SECONDS = env.int("PORTAL_HOST_CACHE_SECONDS", default=300)

# Encrypted model fields: comma-separated Fernet keys. The first encrypts; all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="VoIP Console <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# An account's own SMTP server (Config → SMTP Details). Its host is resolved and refused when any
# address is private, loopback, link-local, multicast or reserved (at save and again at connect)
# unless SMTP_ALLOW_PRIVATE_HOSTS; only SMTP_ALLOWED_PORTS may be used. SMTP_CA_FILE: a PEM bundle
# trusted instead of the system's (empty: the system's). Every SMTP step waits at most
# SMTP_TIMEOUT_SECONDS.
SMTP_ALLOW_PRIVATE_HOSTS = env.bool("SMTP_ALLOW_PRIVATE_HOSTS", default=False)
SMTP_ALLOWED_PORTS = env.list("SMTP_ALLOWED_PORTS", cast=int, default=[25, 465, 587, 2525])
SMTP_CA_FILE = env("SMTP_CA_FILE", default="")
SMTP_TIMEOUT_SECONDS = env.float("SMTP_TIMEOUT_SECONDS", default=10)
# A mail that fails for a temporary reason (a 4xx answer, a timeout, a dropped connection) is tried
# again after each of these delays in seconds; after the last, it is recorded as not delivered.
MAIL_RETRY_DELAYS = env.list("MAIL_RETRY_DELAYS", cast=float, default=[60, 300, 1800])

# SMS (Test Mobile, mobile confirmation): console prints, locmem keeps them in accounts.sms.outbox,
# http POSTs JSON to SMS_GATEWAY_URL with "Authorization: Bearer SMS_GATEWAY_TOKEN".
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=10)

# Background tasks (Django's Tasks API through the django-tasks backport). "immediate" runs a
# task inline; "database" queues it for `manage.py db_worker`; "rq" queues it in Redis for
# `manage.py rqworker --job-class django_tasks_rq.Job default` (workers on machines of their own).
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[env("TASK_BACKEND", default="database")]}}

# Payment gateways (the API tab). Each provider's API base is a setting so tests and staging
# point the real SDKs elsewhere; PayPal's sandbox lives on a host of its own.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
PAYPAL_API_BASE = env("PAYPAL_API_BASE", default="https://api-m.paypal.com")
PAYPAL_SANDBOX_API_BASE = env("PAYPAL_SANDBOX_API_BASE", default="https://api-m.sandbox.paypal.com")
# A credentials check gives up after this many seconds (connect and each read).
GATEWAY_TIMEOUT_SECONDS = env.float("GATEWAY_TIMEOUT_SECONDS", default=5)

# My Servers. Operations (Start, Stop, Restart, Reactivate) are carried out by a task calling the
# class SERVER_OPERATION_EXECUTOR names (the default records the new status; the platform plugs in
# its orchestration); one still unfinished after SERVER_OPERATION_STALE_MINUTES stops blocking
# the server. Reactivate renews for SERVER_RENEWAL_DAYS. The health check sends SIP OPTIONS over
# UDP and waits SIP_OPTIONS_TIMEOUT seconds; private, loopback and link-local targets are refused
# unless SIP_ALLOW_PRIVATE_TARGETS (development and tests only).
SERVER_OPERATION_EXECUTOR = env(
    "SERVER_OPERATION_EXECUTOR", default="servers.executors.RecordingExecutor"
)
SERVER_OPERATION_STALE_MINUTES = env.int("SERVER_OPERATION_STALE_MINUTES", default=30)
SERVER_RENEWAL_DAYS = env.int("SERVER_RENEWAL_DAYS", default=30)
SIP_OPTIONS_TIMEOUT = env.float("SIP_OPTIONS_TIMEOUT", default=2.0)
SIP_ALLOW_PRIVATE_TARGETS = env.bool("SIP_ALLOW_PRIVATE_TARGETS", default=False)
# Lookup packages (Packages and Usage tabs): catalogue prices are in this ISO 4217 currency;
# usage is charged in each account's own currency at the exchange rate set in the admin.
PLATFORM_CURRENCY = env("PLATFORM_CURRENCY", default="USD")
# Payments (the Payments tab): accounts top up their balance through the platform's own Stripe
# and PayPal accounts, set here. A method whose keys are blank is not offered. Webhooks reach
# /webhooks/platform/stripe/ and /webhooks/platform/paypal/ (paste them into the dashboards).
PLATFORM_STRIPE_SECRET_KEY = env("PLATFORM_STRIPE_SECRET_KEY", default="")
PLATFORM_STRIPE_PUBLISHABLE_KEY = env("PLATFORM_STRIPE_PUBLISHABLE_KEY", default="")
PLATFORM_STRIPE_MODE = env("PLATFORM_STRIPE_MODE", default="test")  # test | live
PLATFORM_STRIPE_WEBHOOK_SECRET = env("PLATFORM_STRIPE_WEBHOOK_SECRET", default="")
PLATFORM_PAYPAL_CLIENT_ID = env("PLATFORM_PAYPAL_CLIENT_ID", default="")
PLATFORM_PAYPAL_SECRET = env("PLATFORM_PAYPAL_SECRET", default="")
PLATFORM_PAYPAL_MODE = env("PLATFORM_PAYPAL_MODE", default="sandbox")  # sandbox | live
PLATFORM_PAYPAL_WEBHOOK_ID = env("PLATFORM_PAYPAL_WEBHOOK_ID", default="")
PLATFORM_PAYPAL_RECEIVER_EMAIL = env("PLATFORM_PAYPAL_RECEIVER_EMAIL", default="")
# Custom amounts must lie between these (in the account's currency); preset amounts outside
# them are not offered. A Pending payment older than PAYMENT_PENDING_HOURS is Cancelled by
# `manage.py expire_payments` (run it hourly from a scheduler).
PAYMENT_MIN = env.str("PAYMENT_MIN", default="10")
PAYMENT_MAX = env.str("PAYMENT_MAX", default="10000")
PAYMENT_PENDING_HOURS = env.int("PAYMENT_PENDING_HOURS", default=24)
# Where the Make Payment form may send the browser (the CSP's form-action on that page).
PAYMENT_REDIRECT_ORIGINS = env.list(
    "PAYMENT_REDIRECT_ORIGINS",
    default=[
        "https://checkout.stripe.com",
        "https://www.paypal.com",
        "https://www.sandbox.paypal.com",
    ],
)
# The platform as it appears on receipts.
PLATFORM_COMPANY_NAME = env("PLATFORM_COMPANY_NAME", default="VoIP Console")
PLATFORM_COMPANY_ADDRESS = env.list("PLATFORM_COMPANY_ADDRESS", default=[])  # one item a line
PLATFORM_COMPANY_EMAIL = env("PLATFORM_COMPANY_EMAIL", default="")
PLATFORM_COMPANY_TAX_ID = env("PLATFORM_COMPANY_TAX_ID", default="")
# Development only (config.settings.dev): local fake Stripe and PayPal served under /dev/.
DEV_FAKE_GATEWAYS = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs: "json" writes one JSON object a line (production: for a log collector); "console" one
# readable line (config.settings.dev). Each request logs one line (accounts.requests logger) with
# its request id; no line carries an e-mail address or a secret (accounts/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "accounts.logs.JSONFormatter"},
        "console": {"()": "accounts.logs.ConsoleFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # paypalrestsdk logs request headers (Basic auth: the client secret) at DEBUG.
        "paypalrestsdk": {"level": "INFO"},
        "stripe": {"level": "INFO"},
        # accounts.requests says it once per request, with the request id.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Passkeys (WebAuthn, users/passkeys.py). The RP ID is the panel's host name (a passkey works
# only there and below it); the allowed origins are the panel's own ("scheme://host[:port]").
# Portal hosts are never among them, so a staff passkey does not sign in on a portal.
_PANEL_URL_HOST = urlsplit(PANEL_BASE_URL).hostname if PANEL_BASE_URL else None
WEBAUTHN_RP_ID = env(
    "WEBAUTHN_RP_ID",
    default=_PANEL_URL_HOST
    if _PANEL_URL_HOST and not _PANEL_URL_HOST.replace(".", "").isdigit()
    else "localhost",
)
WEBAUTHN_RP_NAME = env("WEBAUTHN_RP_NAME", default="VoIP account console")
WEBAUTHN_ORIGINS = env.list(
    "WEBAUTHN_ORIGINS",
    default=[PANEL_BASE_URL] if _PANEL_URL_HOST == WEBAUTHN_RP_ID else ["http://localhost:8000"],
)
# Error reports (accounts/errorreporting.py): sent to Sentry only when SENTRY_DSN is set, without
# personal data or secrets, tagged with the request id.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# REST API (api/): requests a minute per token (counted in the cache: Redis when REDIS_URL is
# set, so every app server counts the same), and the largest request body it reads.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
