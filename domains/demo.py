"""Demo portals: Acme on portal.acme.localhost, Globex on portal.globex.localhost, both Verified.

Browsers resolve every ``*.localhost`` name to this machine, so `make run` serves both portals on
http://portal.acme.localhost:8000/ and http://portal.globex.localhost:8000/ without any DNS record;
they are marked Verified without a lookup (no CNAME or TXT record), and the history says so.
"""

from decimal import Decimal
from io import BytesIO

from accounts.actors import PLATFORM

from . import services
from .dns_check import CheckResult
from .logos import inspect
from .models import DEFAULT_ACCESS_AREAS, PortalDomain

DEMO_PORTALS = {
    "Acme Telecom": {
        "domain": "portal.acme.localhost",
        "brand_name": "Acme Voice Portal",
        "primary_color": "#c2410c",
        "footer_text": "Acme Telecom · support@acme.example · +1 212 555 0100",
        "currencies": ["USD"],
        "new_customer_debit_limit": Decimal("50"),
        "mark": "A",
    },
    "Globex Voice": {
        "domain": "portal.globex.localhost",
        "brand_name": "Globex Customer Portal",
        "primary_color": "#0f766e",
        "footer_text": "Globex Voice Ltd · help@globex.example",
        "currencies": ["EUR", "GBP"],
        "new_customer_debit_limit": Decimal("0"),
        "mark": "G",
    },
}
DEMO_FOUND = (
    "Demo data: marked Verified without a DNS lookup (*.localhost always points at this machine)."
)


def _logo_svg(mark: str, color: str) -> bytes:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">'
        f'<rect width="48" height="48" rx="10" fill="{color}"/>'
        '<text x="24" y="33" font-family="sans-serif" font-size="26" font-weight="700" '
        f'text-anchor="middle" fill="#ffffff">{mark}</text></svg>'
    )
    return svg.encode()


class _Upload(BytesIO):
    @property
    def size(self):
        return len(self.getvalue())


def populate(accounts, stdout) -> None:
    for account_name, spec in DEMO_PORTALS.items():
        account = accounts[account_name]
        domain = PortalDomain.objects.for_account(account).filter(domain=spec["domain"]).first()
        if domain is None:
            data = {
                "domain": spec["domain"],
                "brand_name": spec["brand_name"],
                "primary_color": spec["primary_color"],
                "footer_text": spec["footer_text"],
                "customer_signup": True,
                "carrier_signup": False,
                "new_customer_debit_limit": spec["new_customer_debit_limit"],
                "template_customer_id": None,
                "currencies": spec["currencies"],
                "access_areas": DEFAULT_ACCESS_AREAS,
                "logo": inspect(_Upload(_logo_svg(spec["mark"], spec["primary_color"]))),
            }
            domain = services.create_domain(actor=PLATFORM, account=account, data=data)
        if not domain.is_verified:
            demo = CheckResult(domain.domain, True, DEMO_FOUND, proven=True)
            services.record_check(actor=PLATFORM, domain=domain, result=demo)
    stdout.write(
        "Demo portals: http://portal.acme.localhost:8000/ (Acme) and "
        "http://portal.globex.localhost:8000/ (Globex)."
    )
