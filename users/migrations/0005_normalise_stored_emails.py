"""Store every user's address in the one normalised form (accounts/emails.py): domain IDNA-encoded
and lower case, local part lower case. Sign-in now matches that form exactly.

The rule is copied here as it was when this migration was written, so later changes to the app
cannot change what it did. An address that cannot be normalised (a local part that is not ASCII),
or whose normalised form another user already has, is left as it is and named in the output, for
the platform to correct by hand.
"""

import idna
from django.db import migrations


def _normalised(email: str) -> str | None:
    local, at, domain = (email or "").strip().rpartition("@")
    if not at or not local or not domain or not local.isascii():
        return None
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    return f"{local.lower()}@{domain.lower()}"


def normalise(apps, schema_editor):
    User = apps.get_model("users", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for pk, email in User.objects.order_by("pk").values_list("pk", "email"):
        stored = _normalised(email)
        if stored is None:
            print(f"\n  users.User {pk}: {email!r} cannot be normalised; left as it is.")
            continue
        if stored == email:
            continue
        if stored in taken:
            print(f"\n  users.User {pk}: {email!r} would become {stored!r}, which is taken.")
            continue
        User.objects.filter(pk=pk).update(email=stored)
        taken.discard(email)
        taken.add(stored)


class Migration(migrations.Migration):
    dependencies = [("users", "0004_login_attempt_user")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
