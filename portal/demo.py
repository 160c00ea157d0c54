"""Demo customers: each demo account gets a rate card of a few hundred prefixes (every country
code, and mobile ranges, from phonenumbers' own metadata), customers in every status with portal
contacts, and a few thousand calls spread over the last 90 days, rated by longest prefix.

Idempotent: rows are found by name and made only when missing; contact passwords are reset so
the printed logins work again (like the staff logins).
"""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from django.utils import timezone
from django_countries import countries
from phonenumbers import PhoneNumberType

from accounts.actors import PLATFORM

from . import services
from .models import Cdr, Contact, Customer, CustomerStatus, Disposition, Rate, RateCard

CALLS_PER_ACCOUNT = 3000
DAYS = 90
CARRIERS = ["Tata Communications", "BICS", "iBasis", "Telia Carrier", "Sparkle"]
# (disposition, SIP code, weight)
OUTCOMES = [
    (Disposition.ANSWERED, 200, 70),
    (Disposition.NO_ANSWER, 480, 15),
    (Disposition.BUSY, 486, 8),
    (Disposition.FAILED, 503, 7),
]

DEMO_CUSTOMERS = {
    "Acme Telecom": [
        # name, status, debit limit, balance, contacts (email, name, password)
        (
            "Blue Harbor Logistics",
            CustomerStatus.ACTIVE,
            "500",
            "245.30",
            [("ops@blueharbor.example", "Bianca Harbor", "Harbor-Portal-2026!")],
        ),
        (
            "Northwind Call Center",
            CustomerStatus.ACTIVE,
            "1000",
            "-120.75",
            [
                ("noc@northwind.example", "Nils Northwind", "Northwind-Portal-2026!"),
                ("billing@northwind.example", "Bea Billing", "Northwind-Billing-2026!"),
            ],
        ),
        (
            "Sunrise Dental Group",
            CustomerStatus.PENDING,
            "50",
            "0",
            [("office@sunrise-dental.example", "Sunny Office", "Sunrise-Portal-2026!")],
        ),
        (
            "Old Town Taxis",
            CustomerStatus.SUSPENDED,
            "0",
            "-15.00",
            [("dispatch@oldtowntaxis.example", "Otto Dispatch", "OldTown-Portal-2026!")],
        ),
    ],
    "Globex Voice": [
        (
            "Rheinland Hotels",
            CustomerStatus.ACTIVE,
            "300",
            "88.10",
            [("it@rheinland-hotels.example", "Rita Rhein", "Rheinland-Portal-2026!")],
        ),
        (
            "Atlas Freight",
            CustomerStatus.ACTIVE,
            "200",
            "12.00",
            [("voice@atlas-freight.example", "Arne Atlas", "Atlas-Portal-2026!")],
        ),
        (
            "Nordic Clinics",
            CustomerStatus.PENDING,
            "0",
            "0",
            [("admin@nordic-clinics.example", "Nora Nordic", "Nordic-Portal-2026!")],
        ),
    ],
}


# A few completed payments of Globex Voice's active customers on its own gateways (made through
# the payment engine, from an opening balance lowered by them: the balance ends as listed above).
# Acme Telecom's customers have none: its Payments tab starts empty for the first payment.
DEMO_CUSTOMER_PAYMENTS = {
    "Rheinland Hotels": [(30, "200.00", "stripe"), (12, "50.00", "paypal"), (3, "25.00", "stripe")],
    "Atlas Freight": [(25, "100.00", "stripe")],
}


def _customer_payments(account, customer) -> int:
    """The customer's demo payments, once (a customer with payments is left alone)."""
    import secrets

    from django.db.models import F

    from payment_gateways.models import Gateway, Payment
    from payment_gateways.payments import services as engine
    from payment_gateways.payments.channels import Channel, gateway_channel
    from payment_gateways.providers.payments import GatewayAnswer, Outcome

    from .payments import customer_payments

    rows = DEMO_CUSTOMER_PAYMENTS.get(customer.name, [])
    if not rows or customer_payments(account, customer).exists():
        return 0
    gateways = {}
    for gateway in Gateway.objects.for_account(account).order_by("name", "pk"):
        gateways.setdefault(gateway.type, gateway)
    paid = sum(Decimal(amount) for _, amount, _ in rows)
    customers = Customer.objects.for_account(account).filter(pk=customer.pk)
    customers.update(balance=F("balance") - paid)
    now = timezone.now()
    for days, amount, provider in rows:
        gateway = gateways.get(provider)
        channel = (
            gateway_channel(gateway)
            if gateway is not None
            else Channel(f"gateway:demo-{provider}", Gateway(type=provider))
        )
        payment = Payment.objects.create(
            account=account,
            target_kind=engine.CUSTOMER_KIND,
            target_id=str(customer.pk),
            gateway=gateway,
            provider=provider,
            channel=channel.key,
            amount=Decimal(amount),
            currency=customer.currency,
            description=f"Balance top-up for {customer.name}",
            checkout_id=f"demo-{secrets.token_hex(8)}",
        )
        answer = GatewayAnswer(
            Outcome.PAID,
            checkout_id=payment.checkout_id,
            transaction_id=f"demo-{secrets.token_hex(8)}",
            amount=payment.amount,
            currency=payment.currency,
            receiver=channel.receiver,
            payer=customer.contacts.order_by("pk").values_list("email", flat=True).first() or "",
        )
        engine.complete_payment(
            payment, answer, channel=channel, actor=PLATFORM, source="demo", mail_receipt=False
        )
        moment = now - datetime.timedelta(days=days, hours=5)
        Payment.objects.for_account(account).filter(pk=payment.pk).update(
            created=moment, completed_at=moment
        )
    return len(rows)


def rate_table(seed: int) -> list[tuple[str, str, Decimal]]:
    """(prefix, destination, rate per minute): every country calling code with its main
    country's name, and its mobile range (the first digit of an example mobile number)."""
    rng = random.Random(seed)
    rows = {}
    for code, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        region = regions[0]
        if region == "001":  # non-geographic (satellite, international freephone)
            continue
        name = countries.name(region) or region
        fixed = Decimal(rng.uniform(0.004, 0.09)).quantize(Decimal("0.0001"))
        rows[str(code)] = (name, fixed)
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        if example is not None:
            mobile = f"{code}{str(example.national_number)[:1]}"
            if mobile not in rows:
                rate = (fixed * Decimal(rng.uniform(1.5, 4))).quantize(Decimal("0.0001"))
                rows[mobile] = (f"{name} - Mobile", rate)
    return [(prefix, name, rate) for prefix, (name, rate) in sorted(rows.items())]


def _rate_card(account, seed: int) -> RateCard:
    card = RateCard.objects.for_account(account).filter(name="Standard retail").first()
    if card is None:
        card = RateCard.objects.create(
            account=account, name="Standard retail", currency=account.currency
        )
    if not card.rates.exists():
        since = timezone.localdate() - datetime.timedelta(days=365)
        Rate.objects.bulk_create(
            Rate(
                account=account,
                rate_card=card,
                prefix=prefix,
                destination=name,
                rate=rate,
                effective_from=since,
            )
            for prefix, name, rate in rate_table(seed)
        )
    return card


def _customer(account, card, spec) -> Customer:
    name, status, limit, balance, contacts = spec
    customer = Customer.objects.for_account(account).filter(name=name).first()
    if customer is None:
        customer = services.create_customer(
            actor=PLATFORM,
            account=account,
            data={
                "name": name,
                "currency": account.currency,
                "debit_limit": Decimal(limit),
                "rate_card": card,
                "status": status,
                "portal_access": True,
                "hidden_areas": [],
            },
        )
        # Demo data: an opening balance, as if payments and calls had moved it (the platform
        # writes it directly; in use only payments and rating change a balance).
        Customer.objects.for_account(account).filter(pk=customer.pk).update(
            balance=Decimal(balance)
        )
    for email, contact_name, password in contacts:
        contact = Contact.objects.for_account(account).filter(email=email).first()
        if contact is None:
            services.create_contact(
                actor=PLATFORM,
                customer=customer,
                data={"name": contact_name, "email": email},
                password=password,
            )
        else:  # running the demo again makes the printed logins work again
            contact.set_password(password)
            contact.is_active = True
            contact.save(update_fields=["password", "is_active"])
    return customer


def _calls(account, customers, card, seed: int) -> int:
    if Cdr.objects.for_account(account).exists():
        return 0
    rng = random.Random(seed)
    rates = {r.prefix: r for r in card.rates.all()}
    prefixes = list(rates)
    weights = [w for _, _, w in OUTCOMES]
    now = timezone.now()
    rows = []
    for _ in range(CALLS_PER_ACCOUNT):
        customer = rng.choice(customers)
        prefix = rng.choice(prefixes)
        callee = prefix + "".join(rng.choice("0123456789") for _ in range(11 - len(prefix)))
        rate = _longest(rates, callee)
        disposition, sip_code, _ = rng.choices(OUTCOMES, weights)[0]
        answered = disposition == Disposition.ANSWERED
        duration = int(rng.expovariate(1 / 150)) + 1 if answered else 0
        cost = (rate.rate * duration / 60).quantize(Decimal("0.000001"), ROUND_HALF_UP)
        rows.append(
            Cdr(
                account=account,
                customer=customer,
                start_time=now - datetime.timedelta(seconds=rng.randrange(DAYS * 86400)),
                caller="+1555" + "".join(rng.choice("0123456789") for _ in range(7)),
                callee=callee,
                destination=rate.destination,
                duration=duration,
                rate=rate.rate,
                cost=cost,
                currency=customer.currency,
                carrier=rng.choice(CARRIERS),
                disposition=disposition,
                sip_code=sip_code,
                dtmf=answered and rng.random() < 0.1,
            )
        )
    Cdr.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _longest(rates: dict, number: str):
    for end in range(len(number), 0, -1):
        if number[:end] in rates:
            return rates[number[:end]]
    raise LookupError(number)


def populate(accounts, stdout) -> None:
    logins = []
    for seed, (account_name, specs) in enumerate(DEMO_CUSTOMERS.items(), start=1):
        account = accounts[account_name]
        card = _rate_card(account, seed)
        customers = [_customer(account, card, spec) for spec in specs]
        calling = [c for c in customers if c.status != CustomerStatus.PENDING]
        made = _calls(account, calling, card, seed)
        for customer in calling:
            _customer_payments(account, customer)
        stdout.write(
            f"Demo customers of {account_name}: {len(customers)}, a rate card of "
            f"{card.rates.count()} prefixes"
            + (f", {made} calls over the last {DAYS} days." if made else ".")
        )
        for name, status, _, _, contacts in specs:
            for email, _, password in contacts:
                logins.append((account_name, name, CustomerStatus(status).label, email, password))
    stdout.write("Portal contacts (customer logins on each account's portal domain):")
    for account_name, customer, status, email, password in logins:
        stdout.write(f"  {account_name:<14} {customer:<22} {status:<17} {email:<32} {password}")
