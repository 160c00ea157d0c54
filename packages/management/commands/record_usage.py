"""Record lookups of a package by an account, as the lookup side does through
``packages.services.record_usage``. For scripts, back-fills and checks by hand::

    manage.py record_usage --account "Acme Telecom" --package "HLR France Lookup" --quantity 12
"""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from accounts.errors import Refused
from accounts.models import Account
from packages.models import Package
from packages.money import format_charge
from packages.services import record_usage


class Command(BaseCommand):
    help = "Add lookups of a package to an account's usage (refused for a package not enabled)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="The account's id or exact name.")
        parser.add_argument("--package", required=True, help="The package's id or exact name.")
        parser.add_argument("--quantity", required=True, type=int, help="How many lookups.")
        parser.add_argument(
            "--at",
            help="When they were made, ISO 8601 with its offset (default: now), "
            "e.g. 2026-03-01T14:05:00+00:00.",
        )

    def handle(self, *args, account, package, quantity, at, **options):
        account = _one(Account.objects.all(), account, "account")
        package = _one(Package.objects.all(), package, "package")
        when = timezone.now() if at is None else _moment(at)
        try:
            recorded = record_usage(account, package, quantity, when)
        except Refused as refused:
            raise CommandError(refused.message) from refused
        self.stdout.write(
            f"Recorded {recorded.quantity:,} lookups of {package.name} for {account.name} in the "
            f"hour from {recorded.hour:%Y-%m-%d %H}:00 UTC: "
            f"{format_charge(recorded.charge, recorded.currency)}."
        )


def _one(queryset, text: str, noun: str):
    match = Q(name=text) | Q(pk=int(text)) if text.isdigit() else Q(name=text)
    found = list(queryset.filter(match)[:2])
    if len(found) != 1:
        raise CommandError(f"No single {noun} has the id or name {text!r}.")
    return found[0]


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--at {text!r} is not an ISO 8601 time.") from exc
    if timezone.is_naive(moment):
        raise CommandError("--at needs its UTC offset, e.g. 2026-03-01T14:05:00+00:00.")
    return moment
