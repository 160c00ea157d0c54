"""Local development: DEBUG, SQLite by default, tasks run inline, mail printed to the console."""

from .base import *

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
# A fixed key so `make run` works out of the box; production requires its own keys.
PANEL_BASE_URL = PANEL_BASE_URL or "http://127.0.0.1:8000"  # where `make run` serves the panel
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="]
LOG_FORMAT = env("LOG_FORMAT", default="console")  # readable lines; production writes JSON
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
TASKS = {"default": {"BACKEND": TASK_BACKENDS[env("TASK_BACKEND", default="immediate")]}}

# Serve static files straight from static/ (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo portals live on *.localhost (browsers resolve it to this machine).
INTERNAL_DOMAIN_SUFFIXES = [s for s in INTERNAL_DOMAIN_SUFFIXES if s != "localhost"]
VERIFY_LOCALHOST_DOMAINS = True

# A mail catcher on this machine (e.g. Mailpit on localhost:1025) may serve as an account's server.
SMTP_ALLOW_PRIVATE_HOSTS = env.bool("SMTP_ALLOW_PRIVATE_HOSTS", default=True)
SMTP_ALLOWED_PORTS = env.list("SMTP_ALLOWED_PORTS", cast=int, default=[25, 465, 587, 1025, 2525])
# The demo servers sit on documentation and loopback addresses: let the health check reach them.
SIP_ALLOW_PRIVATE_TARGETS = True
# Payments in `make run` go to local fake Stripe and PayPal servers (tests/fakes), served by this
# same runserver under /dev/fake-stripe/ and /dev/fake-paypal/ (config/urls.py), with the SDKs'
# API bases pointed at them: the demo's payments, checkout pages and signed webhooks all stay on
# this machine. Set DEV_FAKE_GATEWAYS=false (and real sandbox keys) to use the real sandboxes.
DEV_FAKE_GATEWAYS = env.bool("DEV_FAKE_GATEWAYS", default=True)
if DEV_FAKE_GATEWAYS:
    STRIPE_API_BASE = env("STRIPE_API_BASE", default=f"{PANEL_BASE_URL}/dev/fake-stripe")
    PAYPAL_SANDBOX_API_BASE = env(
        "PAYPAL_SANDBOX_API_BASE", default=f"{PANEL_BASE_URL}/dev/fake-paypal"
    )
    PLATFORM_STRIPE_SECRET_KEY = PLATFORM_STRIPE_SECRET_KEY or "sk_test_devplatform0000000000000000"
    PLATFORM_STRIPE_PUBLISHABLE_KEY = (
        PLATFORM_STRIPE_PUBLISHABLE_KEY or "pk_test_devplatform0000000000000000"
    )
    PLATFORM_STRIPE_WEBHOOK_SECRET = PLATFORM_STRIPE_WEBHOOK_SECRET or "whsec_devplatform0000000000"
    PLATFORM_PAYPAL_CLIENT_ID = PLATFORM_PAYPAL_CLIENT_ID or "AZdevplatformclient000000000000"
    PLATFORM_PAYPAL_SECRET = PLATFORM_PAYPAL_SECRET or "ELdevplatformsecret000000000000"
    PLATFORM_PAYPAL_WEBHOOK_ID = PLATFORM_PAYPAL_WEBHOOK_ID or "8DEVPLATFORMWEBHOOK"
    PLATFORM_PAYPAL_RECEIVER_EMAIL = (
        PLATFORM_PAYPAL_RECEIVER_EMAIL or "payments@voip-console.example"
    )
    PAYMENT_REDIRECT_ORIGINS = [*PAYMENT_REDIRECT_ORIGINS, PANEL_BASE_URL]
PLATFORM_COMPANY_ADDRESS = PLATFORM_COMPANY_ADDRESS or ["1 Demo Street", "Springfield"]
PLATFORM_COMPANY_EMAIL = PLATFORM_COMPANY_EMAIL or "billing@voip-console.example"
