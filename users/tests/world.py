"""Users-app rows for both accounts of the tests' world: a group each, the User in it; account
B's User also has two-factor login on (so a leak of an Administrator's reset would show) and a
passkey (whose name would show on a page of A that leaked it)."""

from accounts.actors import PLATFORM, Actor
from accounts.permissions import ALLOW
from users.models import Passkey, PermissionGroup
from users.services import save_group, update_user
from users.services_two_factor import enable
from users.tests.totp import code_for

WORLD_TOTP_KEY = "3132333435363738393031323334353637383930"


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
    enable(
        Actor(world["user_b"], "10.0.0.2"), key_hex=WORLD_TOTP_KEY, code=code_for(WORLD_TOTP_KEY)
    )
    world["user_b"].refresh_from_db()
    world["passkey_b"] = Passkey.objects.create(
        account=world["b"],
        user=world["user_b"],
        name="Bravo laptop",
        credential_id="d29ybGQtcGFzc2tleS1i",
        public_key=b"not-a-real-key",
    )
