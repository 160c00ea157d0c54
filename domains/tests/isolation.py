"""Isolation-crawler entries for the Domains tab."""

from tests.isolation import page, tenant_object


def _domain_pk(world, side):
    return {"pk": world[f"portal_domain_{side}"].pk}


ENTRIES = {
    "domains:list": page(),
    "domains:add": page(),
    "domains:refresh": page(),
    "domains:delete": page(),
    "domains:detail": tenant_object(_domain_pk),
    "domains:edit": tenant_object(_domain_pk),
    "domains:check": tenant_object(_domain_pk),
    "domains:logo": tenant_object(_domain_pk),
}
