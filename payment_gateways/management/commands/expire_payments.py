"""Cancel the payments still Pending after PAYMENT_PENDING_HOURS (24 by default). Run it from a
scheduler (cron, systemd timer), e.g. hourly: ``manage.py expire_payments``. The gateways close
their checkouts before then (Stripe's sessions after 23 hours; PayPal's unexecuted payments after
three), so nothing can be paid on a payment this cancels."""

from django.conf import settings
from django.core.management.base import BaseCommand

from payment_gateways.payments.services import expire_pending_payments


class Command(BaseCommand):
    help = "Cancel payments still Pending after PAYMENT_PENDING_HOURS."

    def handle(self, *args, **options):
        count = expire_pending_payments()
        hours = settings.PAYMENT_PENDING_HOURS
        word = "payment" if count == 1 else "payments"
        self.stdout.write(
            self.style.SUCCESS(f"Cancelled {count} {word} not paid within {hours} hours.")
        )
