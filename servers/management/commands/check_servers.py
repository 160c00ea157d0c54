"""Health-check every server of every account with SIP OPTIONS. Run it from a scheduler (cron,
systemd timer), e.g. every 5 minutes: ``manage.py check_servers``. Checks run side by side
(accounts.parallel), so a run takes about one timeout per 8 servers that do not answer."""

from django.core.management.base import BaseCommand

from servers.models import HealthOutcome
from servers.services import check_all_servers


class Command(BaseCommand):
    help = "Send SIP OPTIONS to every server and record what came back."

    def handle(self, *args, **options):
        ok = total = 0
        for before, check in check_all_servers():
            total += 1
            ok += check.outcome == HealthOutcome.OK
            after = check.get_outcome_display()
            change = f" ({before} → {after})" if before and before != after else ""
            self.stdout.write(f"{check.server.name} ({check.target}): {check.summary}{change}")
        self.stdout.write(
            self.style.SUCCESS(f"Checked {total} servers: {ok} answered OK, {total - ok} not.")
        )
