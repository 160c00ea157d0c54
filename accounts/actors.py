"""Who is acting: every write service takes an :class:`Actor` (the signed-in user and the
address they act from), built once per request by the tenant middleware as ``request.actor``.

``PLATFORM`` acts for the platform itself (demo data, management commands, scheduled checks):
permission re-checks let it through and the audit log shows no user.
"""

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Actor:
    user: object | None = None  # a staff user; None: the platform, or an anonymous visitor
    ip: str | None = None
    is_platform: bool = False
    # How they act when not through the panel ("API token “deploy”"): the audit log says so.
    via: str = ""
    # An API token's scopes ({module: "read" | "write"}): the user's access narrowed to them.
    scopes: tuple[tuple[str, str], ...] | None = None

    @classmethod
    def of(cls, request) -> "Actor":
        from .requests import client_ip

        user = request.user if request.user.is_authenticated else None
        return cls(user=user, ip=client_ip(request))

    @property
    def account(self):
        return self.user.account if self.user is not None else None

    @property
    def account_id(self):
        return self.user.account_id if self.user is not None else None

    @property
    def pk(self):
        return self.user.pk if self.user is not None else None

    @cached_property
    def access(self):
        """What the user may do (computed once; services re-check with it before writing)."""
        from .permissions import Access
        from .scopes import ScopedAccess

        if self.scopes is not None:
            return ScopedAccess(self.user, dict(self.scopes))
        return Access(self.user)

    def __str__(self) -> str:
        if self.is_platform:
            return "the platform"
        return self.user.email if self.user is not None else "an anonymous visitor"


PLATFORM = Actor(is_platform=True)
