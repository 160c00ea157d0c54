from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from accounts import audit
from accounts.fields import encrypted_fields, key_ring


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS. "
        "Run after putting a new key first; remove an old key only after this has run."
    )

    def handle(self, *args, **options):
        ring = key_ring()
        total = 0
        for model, field in encrypted_fields():
            manager = model._base_manager
            stored = manager.annotate(_stored=Cast(field.attname, models.TextField()))
            rewritten = 0
            with transaction.atomic():
                for pk, value in stored.values_list("pk", "_stored").iterator():
                    if not value or ring.stored_key_id(value) == ring.primary_id:
                        continue
                    # update() encrypts under the primary key on the way in.
                    manager.filter(pk=pk).update(**{field.attname: ring.decrypt(value)})
                    rewritten += 1
            self.stdout.write(f"{model._meta.label}.{field.name}: {rewritten} re-encrypted")
            total += rewritten
        audit.record("encryption.rotated", data={"values": total, "key_id": ring.primary_id})
        self.stdout.write(self.style.SUCCESS(f"{total} values now under key {ring.primary_id}"))
