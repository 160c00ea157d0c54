"""Re-check the DNS of every portal domain. Run it from a scheduler (cron, systemd timer), e.g.
every 15 minutes: ``manage.py check_domains``. A domain whose CNAME no longer points at
PORTAL_CNAME_TARGET goes back to Failed and stops being served at once; one for which DNS gives no
answer keeps its status (the history says *Not checked*); a pending claim whose CNAME and TXT
records now exist becomes Verified."""

from django.core.management.base import BaseCommand

from domains.models import DomainCheck
from domains.services import check_all_domains


class Command(BaseCommand):
    help = (
        "Re-check the CNAME and TXT records of every portal domain and record Verified, Failed "
        "or Not checked."
    )

    def handle(self, *args, **options):
        counts = {"verified": 0, "failed": 0, "not_checked": 0}
        for before, check in check_all_domains():
            counts[check.status] = counts.get(check.status, 0) + 1
            after = check.domain.get_status_display()
            change = f"{before} → {after}" if before != after else after
            if check.status == DomainCheck.Outcome.NOT_CHECKED:
                change += ", not checked now"
            self.stdout.write(f"{check.name}: {change}. {check.found}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {sum(counts.values())} domains: {counts['verified']} Verified, "
                f"{counts['failed']} Failed, {counts['not_checked']} not checked (no DNS answer)."
            )
        )
