"""Payments (SPEC §8, and the engine the customer portal reuses for SPEC §7).

One engine (``services``) takes a *channel* (``channels``: the platform's Stripe or PayPal from
settings, or one of the account's own gateways) and a *credit target* (``targets``: the account's
balance now; a portal customer's balance later). A payment starts Pending, the payer approves on
the gateway's page, and the gateway's word — a signed webhook (``webhooks``) or a server-side check
when the payer returns — completes it exactly once.
"""
