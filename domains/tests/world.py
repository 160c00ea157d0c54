"""Both accounts' portal domains for the isolation crawler and the domains tests."""

from django.core.files.base import ContentFile
from django.utils import timezone

from domains.models import DnsStatus, DomainCheck, PortalDomain

from .images import png

SIDES = {
    "a": ("portal.alpha.test", "Alpha Customer Hub", "#aa3300"),
    "b": ("portal.bravo.test", "Bravo Customer Hub", "#0033aa"),
}


def populate(world):
    for side, (host, brand, color) in SIDES.items():
        domain = PortalDomain(
            account=world[side],
            domain=host,
            brand_name=brand,
            primary_color=color,
            footer_text=f"{brand} footer",
            currencies=[world[side].currency],
            access_areas=["cdr", "balance"],
            status=DnsStatus.VERIFIED,
            last_checked_at=timezone.now(),
            last_check_found=f"CNAME {host} → portals.console.test: points at the portal.",
        )
        domain.logo.save("logo.png", ContentFile(png(120)), save=False)
        domain.save()
        DomainCheck.objects.create(
            account=world[side],
            domain=domain,
            name=host,
            status=domain.status,
            found=domain.last_check_found,
            checked_at=domain.last_checked_at,
        )
        world[f"portal_domain_{side}"] = domain
        world[f"portal_host_{side}"] = host
        world.setdefault(f"markers_{side}", []).extend([host, brand])
