"""Users-app rows for both accounts of the tests' world: a group each, the User in it."""

from accounts.actors import PLATFORM
from accounts.permissions import ALLOW
from users.models import PermissionGroup
from users.services import save_group, update_user


def populate(world):
    for side in ("a", "b"):
        group = save_group(
            PermissionGroup(
                account=world[side],
                name=f"Support {side.upper()}",
                permissions={"customer": ALLOW},
            ),
            actor=PLATFORM,
        )
        world[f"group_{side}"] = group
        update_user(world[f"user_{side}"], actor=PLATFORM, groups=[group])
