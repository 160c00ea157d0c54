"""Ownership by TXT record (SPEC §6): each claim gets its own random token; several accounts may
claim one name, which is unique per account and among Verified claims only.

Existing domains keep their status: a Verified portal stays served (its periodic re-check needs
the CNAME only and reports the missing TXT record), a Pending one now needs the TXT record too.
"""

import secrets

from django.db import migrations, models

import domains.models


def give_each_claim_its_own_token(apps, schema_editor):
    # AddField filled every existing row with one value; a token must be this claim's alone.
    PortalDomain = apps.get_model("domains", "PortalDomain")
    for pk in PortalDomain.objects.values_list("pk", flat=True):
        PortalDomain.objects.filter(pk=pk).update(verification_token=secrets.token_hex(16))


class Migration(migrations.Migration):
    dependencies = [("domains", "0002_domain_check_not_checked")]

    operations = [
        migrations.AddField(
            model_name="portaldomain",
            name="verification_token",
            field=models.CharField(
                default=domains.models.new_claim_token, editable=False, max_length=64
            ),
        ),
        migrations.RunPython(give_each_claim_its_own_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="portaldomain",
            name="domain",
            field=models.CharField(max_length=253),
        ),
        migrations.AddConstraint(
            model_name="portaldomain",
            constraint=models.UniqueConstraint(
                fields=("account", "domain"), name="portaldomain_claim_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="portaldomain",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "verified")),
                fields=("domain",),
                name="portaldomain_verified_unique",
            ),
        ),
    ]
