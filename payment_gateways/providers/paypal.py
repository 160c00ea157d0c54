"""PayPal, through paypalrestsdk (the only module that imports it).

The check asks for an OAuth access token (``POST /v1/oauth2/token``, client credentials grant):
PayPal issues one only for a Client ID and Secret of the mode's environment.
"""

import json

import paypalrestsdk
import requests
from paypalrestsdk import exceptions as paypal_errors

from .base import CheckResult, GatewayClient, connection_failure


class _TimedApi(paypalrestsdk.Api):
    """The SDK's Api with a timeout: ``Api.http_call`` hands its keyword arguments to
    ``requests.request`` but has no timeout option of its own.
    """

    def http_call(self, url, method, **kwargs):
        kwargs.setdefault("timeout", self.options["timeout"])
        return super().http_call(url, method, **kwargs)


class PayPalGatewayClient(GatewayClient):
    label = "PayPal"

    def _api(self) -> paypalrestsdk.Api:
        return _TimedApi(
            mode=self.credentials.mode,
            client_id=self.credentials.public_key,
            client_secret=self.credentials.secret_key,
            endpoint=self.api_base,
            timeout=self.timeout,
        )

    def verify(self) -> CheckResult:
        try:
            token = self._api().get_token_hash()
        except requests.exceptions.Timeout:
            return CheckResult(False, self.timeout_message())
        except requests.exceptions.RequestException as exc:
            return CheckResult(False, self.clean_message(connection_failure(exc, "PayPal")))
        except paypal_errors.ConnectionError as exc:
            return CheckResult(False, self.clean_message(_paypal_message(exc)))
        # Read defensively: only the token matters; other fields may be missing or shaped
        # otherwise.
        if not isinstance(token, dict) or not token.get("access_token"):
            return CheckResult(False, "PayPal answered without an access token.")
        app_id = token.get("app_id")
        return CheckResult(
            True,
            f"PayPal issued an access token ({self.credentials.mode} mode).",
            {"app_id": app_id if isinstance(app_id, str) else ""},
        )


def _paypal_message(exc: paypal_errors.ConnectionError) -> str:
    """PayPal's own words from an error body: OAuth's ``error_description (error)``, or the
    REST APIs' ``message`` (``name``)."""
    status = getattr(exc.response, "status_code", None)
    try:
        body = json.loads(exc.content or "")
    except ValueError:
        body = None
    if isinstance(body, dict):
        if body.get("error_description") or isinstance(body.get("error"), str):
            text = body.get("error_description") or body["error"]
            return f"{text} ({body['error']})" if body.get("error") else text
        if body.get("message"):
            return f"{body['message']} ({body['name']})" if body.get("name") else body["message"]
    return f"PayPal answered HTTP {status}."
