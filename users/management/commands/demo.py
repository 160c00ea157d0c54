"""Create (or refresh) the demo accounts and print their logins. Safe to run again and again.

Each project app may add its own demo rows in ``<app>/demo.py``::

    def populate(accounts: dict[str, Account], stdout) -> None: ...

called with the demo accounts by name ("Acme Telecom", "Globex Voice"); it must be idempotent.
"""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.actors import PLATFORM
from accounts.models import Account
from accounts.registry import app_modules
from accounts.services import create_account
from users.models import User
from users.services import create_user

DEMO_ACCOUNTS = [
    {
        "name": "Acme Telecom",
        "email": "billing@acme.example",
        "currency": "USD",
        "time_zone": "America/New_York",
        "date_format": "m/d/Y",
        "balance": Decimal("1138.17"),
        "users": [
            ("admin@acme.example", "Alice Admin", User.Role.ADMINISTRATOR, "Acme-Admin-2026!"),
            ("user@acme.example", "Umar User", User.Role.USER, "Acme-User-2026!"),
        ],
    },
    {
        "name": "Globex Voice",
        "email": "accounts@globex.example",
        "currency": "EUR",
        "time_zone": "Europe/London",
        "date_format": "d/m/Y",
        "balance": Decimal("250.00"),
        "users": [
            ("admin@globex.example", "Greta Admin", User.Role.ADMINISTRATOR, "Globex-Admin-2026!"),
            ("user@globex.example", "Gus User", User.Role.USER, "Globex-User-2026!"),
        ],
    },
]


class Command(BaseCommand):
    help = "Create the demo accounts Acme Telecom and Globex Voice and print their logins."

    @transaction.atomic
    def handle(self, *args, **options):
        logins = []
        accounts = {}
        for spec in DEMO_ACCOUNTS:
            spec = dict(spec)
            users = spec.pop("users")
            account = Account.objects.filter(name=spec["name"]).first()
            if account is None:
                account = create_account(**spec)
            for email, name, role, password in users:
                user = User.all_accounts.filter(email=email).first()
                if user is None:
                    create_user(
                        actor=PLATFORM,
                        account=account,
                        email=email,
                        password=password,
                        name=name,
                        role=role,
                    )
                else:
                    # Running the demo again makes the printed logins work again.
                    user.set_password(password)
                    user.is_active = True
                    user.save(update_fields=["password", "is_active"])
                logins.append((account.name, role.label, email, password))
            accounts[account.name] = account

        for hook in app_modules("demo"):
            hook.populate(accounts, self.stdout)

        self.stdout.write(
            self.style.SUCCESS(
                "Demo accounts are ready. Sign in at http://127.0.0.1:8000/login/ with:"
            )
        )
        for account_name, role, email, password in logins:
            self.stdout.write(f"  {account_name:<14} {role:<14} {email:<24} {password}")
