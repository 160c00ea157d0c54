"""Every URL pattern of a URLconf, with its full name and the view behind it."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"; "<unnamed …>" for a pattern without a name
    route: str
    callback: object
    namespace: str


def walk(urlconf: str | None = None) -> list[Route]:
    return list(_walk(get_resolver(urlconf).url_patterns, prefix="", namespaces=[]))


def _walk(patterns, prefix: str, namespaces: list[str]):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            spaces = [*namespaces, entry.namespace] if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), spaces)
        elif isinstance(entry, URLPattern):
            namespace = ":".join(namespaces)
            if not entry.name:
                name = f"<unnamed {prefix}{entry.pattern}>"
            else:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name, prefix + str(entry.pattern), entry.callback, namespace)
