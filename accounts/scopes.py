"""API token scopes: a user's access narrowed to a token's scopes (``{module: "read" |
"write"}``), built on :class:`accounts.permissions.Access` so a token is judged by the very code
the panel uses. (Apart from permissions.py, which mutation testing covers with its own unit
tests; the token tests in api/tests cover this.)"""

from .permissions import ALLOW, DENY, MODULES, Access, _check_module

READ = "read"
WRITE = "write"
SCOPE_LEVELS = (READ, WRITE)


class ScopedAccess(Access):
    """What an API token may do: its user's access *now*, narrowed to the token's scopes
    (``{module: "read" | "write"}``). Built on every request from the user's current groups,
    role and read-only flag, so a token never outlives a permission its user lost. A token never
    acts as an Administrator: Administrator-only pages need the panel, and what it may grant is
    what it may write itself (users/access.py)."""

    def __init__(self, user, scopes: dict[str, str]):
        self.user_access = Access(user)
        self.is_staff_user = self.user_access.is_staff_user
        self.read_only = self.user_access.read_only
        self.scopes = {m: level for m, level in scopes.items() if m in MODULES}
        self.is_admin = False
        self.grants = {m: ALLOW for m in self.scopes if self.user_access.can_view(m)} | {
            m: DENY for m, e in self.user_access.grants.items() if e == DENY
        }

    def can_view(self, module: str) -> bool:
        _check_module(module)
        return module in self.scopes and self.user_access.can_view(module)

    def can_write(self, module: str) -> bool:
        return self.scopes.get(module) == WRITE and self.user_access.can_write(module)

    def can_admin(self, write: bool = False) -> bool:
        return False

    def missing_scope(self, module: str, write: bool) -> str | None:
        """The scope the token lacks for this (``users:write``), None when it has it."""
        level = self.scopes.get(module)
        if level == WRITE or (level == READ and not write):
            return None
        return f"{module}:{WRITE if write else READ}"

    def denial(self, module: str, write: bool) -> str:
        missing = self.missing_scope(module, write)
        if missing:
            return f"This token lacks the {missing} scope."
        return self.user_access.denial(module, write)


def grantable_scopes(access: Access) -> dict[str, tuple[str, ...]]:
    """Per module, the scope levels ``access`` may put in a token: never more than it holds."""
    found = {}
    for key in MODULES:
        if access.can_write(key):
            found[key] = (READ, WRITE)
        elif access.can_view(key):
            found[key] = (READ,)
    return found
