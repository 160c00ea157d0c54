"""Stripe, through the official SDK (the only module that imports ``stripe``).

The check reads the account's balance (``GET /v1/balance``) with the secret key: Stripe answers
it for any working secret or restricted key with balance read access, and it changes nothing.
"""

import requests
import stripe

from .base import CheckResult, GatewayClient, connection_failure


class StripeGatewayClient(GatewayClient):
    label = "Stripe"

    def _client(self) -> tuple[stripe.StripeClient, stripe.RequestsClient]:
        http = stripe.RequestsClient(timeout=self.timeout)
        client = stripe.StripeClient(
            self.credentials.secret_key,
            base_addresses={"api": self.api_base},
            http_client=http,
            max_network_retries=0,  # one try: the timeout is the whole wait
        )
        return client, http

    def verify(self) -> CheckResult:
        client, http = self._client()
        try:
            balance = client.v1.balance.retrieve()
        except stripe.APIConnectionError as exc:
            if isinstance(exc.__cause__, requests.exceptions.Timeout):
                return CheckResult(False, self.timeout_message())
            return CheckResult(False, self.clean_message(connection_failure(exc, "Stripe")))
        except stripe.StripeError as exc:
            if not isinstance(exc.json_body, dict):
                # Not an answer of Stripe's API at all (a proxy's error page, a captive portal):
                # the SDK's message would quote that page's HTML to the user.
                return CheckResult(
                    False, f"Stripe's answer could not be read (HTTP {exc.http_status})."
                )
            message = exc.user_message or f"Stripe answered HTTP {exc.http_status}."
            return CheckResult(False, self.clean_message(message))
        finally:
            http.close()
        # Authenticated: the key works. The rest of the answer is read defensively, since
        # Stripe-compatible servers shape it in their own ways (``available`` as an object, …).
        answer = balance.to_dict() if isinstance(balance, stripe.StripeObject) else {}
        live = self.credentials.mode == "live"
        livemode = answer.get("livemode")
        if isinstance(livemode, bool) and livemode != live:
            wanted, got = ("live", "test") if live else ("test", "live")
            return CheckResult(
                False, f"Stripe says this is a {got}-mode key, but the gateway is in {wanted} mode."
            )
        return CheckResult(
            True,
            f"Stripe accepted the secret key ({'live' if live else 'test'} mode).",
            {"balance_currencies": _currencies(answer.get("available"))},
        )


def _currencies(available) -> list[str]:
    """The currencies of a balance's ``available`` list; whatever else it is, none."""
    if not isinstance(available, list):
        return []
    found = (entry.get("currency") for entry in available if isinstance(entry, dict))
    return sorted({currency.upper() for currency in found if isinstance(currency, str)})
