"""Demo groups and users for the Users tab (idempotent)."""

from accounts.actors import PLATFORM
from accounts.permissions import ALLOW, DENY
from users.models import PermissionGroup, User
from users.services import create_user, save_group, update_user

GROUPS = {
    "Support": {"customer": ALLOW, "cdr": ALLOW, "log": DENY, "report": DENY},
    "Finance": {"payments": ALLOW, "report": ALLOW},
}
# (email local part, name, groups, read only, password)
MEMBERS = [
    ("support", "Sam Support", ["Support"], False, "Support-Desk-2026!"),
    ("finance", "Fay Finance", ["Finance"], True, "Finance-Desk-2026!"),
]


def populate(accounts, stdout):
    for account in accounts.values():
        domain = account.email.split("@", 1)[1]
        groups = {}
        for name, permissions in GROUPS.items():
            group = PermissionGroup.objects.for_account(account).filter(name=name).first()
            group = group or PermissionGroup(account=account, name=name)
            group.permissions = permissions
            groups[name] = save_group(group, actor=PLATFORM)
        for local, name, group_names, read_only, password in MEMBERS:
            email = f"{local}@{domain}"
            user = User.all_accounts.filter(email=email).first()
            members_of = [groups[g] for g in group_names]
            if user is None:
                create_user(
                    actor=PLATFORM,
                    account=account,
                    email=email,
                    password=password,
                    name=name,
                    read_only=read_only,
                    groups=members_of,
                )
            else:
                update_user(
                    user, actor=PLATFORM, password=password, groups=members_of, read_only=read_only
                )
        # The plain demo User is in Support, so signing in as them shows a working panel.
        plain = User.objects.for_account(account).filter(email__startswith="user@").first()
        if plain is not None:
            update_user(plain, actor=PLATFORM, groups=[groups["Support"]])
        stdout.write(
            f"  {account.name}: groups Support and Finance, users "
            + ", ".join(f"{local}@{domain} ({pw})" for local, _, _, _, pw in MEMBERS)
        )
