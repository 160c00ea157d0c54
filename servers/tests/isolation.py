"""Isolation-crawler entries for My Servers."""

from tests.isolation import page, tenant_object


def _server_pk(world, side):
    return {"pk": world[f"server_{side}"].pk}


ENTRIES = {
    "servers:list": page(),
    "servers:refresh": page(),
    "servers:detail": tenant_object(_server_pk),
    "servers:config": tenant_object(_server_pk),
    "servers:operate": tenant_object(_server_pk),
    "servers:check": tenant_object(_server_pk),
}
