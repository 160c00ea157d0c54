"""A fresh install's catalogue (SPEC §9): ASR+, HLR for 37 countries with their dialling codes,
LRN, DNO, CNAM, IP and spam-reputation lookups. Prices are per lookup in the platform currency
(USD by default); the platform edits them in the admin. Packages already there are left alone."""

from decimal import Decimal

from django.db import migrations

# (country, dialling code, price per lookup)
HLR_COUNTRIES = [
    ("Australia", "61", "0.003000"),
    ("Austria", "43", "0.002341"),
    ("Bangladesh", "880", "0.002094"),
    ("Belgium", "32", "0.003696"),
    ("Brazil", "55", "0.002218"),
    ("Cambodia", "855", "0.002094"),
    ("China", "86", "0.003000"),
    ("Croatia", "385", "0.002341"),
    ("France", "33", "0.003696"),
    ("Germany", "49", "0.003200"),
    ("Greece", "30", "0.003696"),
    ("Hungary", "36", "0.002341"),
    ("India", "91", "0.003000"),
    ("Iraq", "964", "0.001725"),
    ("Ireland", "353", "0.002094"),
    ("Italy", "39", "0.003100"),
    ("Japan", "81", "0.002218"),
    ("Lebanon", "961", "0.002464"),
    ("Mexico", "52", "0.002094"),
    ("Montenegro", "382", "0.003696"),
    ("Netherlands", "31", "0.002900"),
    ("Nigeria", "234", "0.001800"),
    ("Oman", "968", "0.003696"),
    ("Philippines", "63", "0.001950"),
    ("Poland", "48", "0.002341"),
    ("Portugal", "351", "0.002600"),
    ("Qatar", "974", "0.003696"),
    ("Romania", "40", "0.002341"),
    ("Singapore", "65", "0.003696"),
    ("Slovakia", "421", "0.003696"),
    ("South Africa", "27", "0.002464"),
    ("Spain", "34", "0.002900"),
    ("Sweden", "46", "0.002800"),
    ("Switzerland", "41", "0.003400"),
    ("Turkey", "90", "0.002218"),
    ("United Arab Emirates", "971", "0.003696"),
    ("United Kingdom", "44", "0.002300"),
]

OTHERS = [
    (
        "ASR+ Lookup",
        "asrplus",
        ".*",
        "0.000100",
        "Predicted answer-seizure ratio of any number, from recent traffic: how likely a call "
        "to it is to be answered.",
    ),
    (
        "LRN Lookup (US)",
        "lrn",
        "^1",
        "0.000500",
        "Local Routing Number of a North American number: the carrier it is ported to, for "
        "least-cost routing.",
    ),
    (
        "DNO Lookup",
        "dno",
        "^1",
        "0.000300",
        "Do Not Originate check: numbers that never place calls, so a call claiming to come "
        "from one is spoofed.",
    ),
    (
        "CNAM Lookup (US)",
        "cnam",
        "^1",
        "0.003500",
        "Caller name (CNAM) of a US number, as shown on the called party's display.",
    ),
    (
        "IP Lookup",
        "ip",
        ".*",
        "0.000200",
        "Country, network and reputation of the IP address a call or registration comes from.",
    ),
    (
        "Spam Reported Lookup",
        "spam",
        ".*",
        "0.001000",
        "Whether a caller number has been reported for spam or robocalls, with a score.",
    ),
]


def catalogue():
    for name, area, destination, price, description in OTHERS:
        yield name, area, destination, price, description
    for country, code, price in HLR_COUNTRIES:
        yield (
            f"HLR {country} Lookup",
            "hlr",
            f"^{code}",
            price,
            f"HLR query of a {country} mobile number (+{code}): live or not, its network, ported "
            "or not.",
        )


def seed(apps, schema_editor):
    Package = apps.get_model("packages", "Package")
    existing = {name.lower() for name in Package.objects.values_list("name", flat=True)}
    Package.objects.bulk_create(
        Package(
            name=name,
            area=area,
            destination=destination,
            retail_price=Decimal(price),
            description=description,
        )
        for name, area, destination, price, description in catalogue()
        if name.lower() not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("packages", "0001_catalogue_usage")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
