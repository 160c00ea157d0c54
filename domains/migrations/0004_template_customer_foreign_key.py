"""The portal domain's template customer becomes a foreign key to portal.Customer.

The old column held a bare id (nothing could choose one before customers existed). It is kept
under another name while the foreign key is added, and copied over only where it names a
customer of the domain's own account; anything else is dropped (no cross-tenant link).
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_own_customers(apps, schema_editor):
    PortalDomain = apps.get_model("domains", "PortalDomain")
    Customer = apps.get_model("portal", "Customer")
    for domain in PortalDomain._base_manager.exclude(old_template_customer_id=None):
        if Customer._base_manager.filter(
            pk=domain.old_template_customer_id, account_id=domain.account_id
        ).exists():
            PortalDomain._base_manager.filter(pk=domain.pk).update(
                template_customer_id=domain.old_template_customer_id
            )


def copy_back(apps, schema_editor):
    PortalDomain = apps.get_model("domains", "PortalDomain")
    for domain in PortalDomain._base_manager.exclude(template_customer_id=None):
        PortalDomain._base_manager.filter(pk=domain.pk).update(
            old_template_customer_id=domain.template_customer_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("domains", "0003_ownership_by_txt_record"),
        ("portal", "0001_customers_contacts_cdr_rate_cards"),
    ]

    operations = [
        migrations.RenameField(
            model_name="portaldomain",
            old_name="template_customer_id",
            new_name="old_template_customer_id",
        ),
        migrations.AddField(
            model_name="portaldomain",
            name="template_customer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="portal.customer",
            ),
        ),
        migrations.RunPython(copy_own_customers, copy_back),
        migrations.RemoveField(model_name="portaldomain", name="old_template_customer_id"),
    ]
