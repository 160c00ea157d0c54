"""``manage.py generate_invoices``: last calendar month's invoice, issued, for every customer
with calls in it, in every account (or ``--account ID``). Idempotent: a customer who has that
month's invoice already gets no second one. Run it monthly (cron, or the task
invoices.tasks.generate_monthly_invoices)."""

from django.core.management.base import BaseCommand

from accounts.models import Account
from invoices.services import generate_last_month


class Command(BaseCommand):
    help = "Issue last calendar month's invoice to every customer with calls (once)."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Only this account's customers.")

    def handle(self, *args, account=None, **options):
        accounts = Account.objects.order_by("pk")
        if account is not None:
            accounts = accounts.filter(pk=account)
        total = 0
        for each in accounts:
            made = generate_last_month(each)
            total += len(made)
            if made:
                self.stdout.write(f"{each.name}: {len(made)} invoice(s) issued")
        self.stdout.write(f"{total} invoice(s) issued.")
