"""A software WebAuthn authenticator for the tests: an EC P-256 key made with ``cryptography``, a
"none" attestation (CBOR attestationObject, authenticatorData, clientDataJSON) and ES256-signed
assertions, answering the very options the panel hands out, so py_webauthn's real verification
runs on them (nothing is patched). Each knob makes one of the bad cases: another origin or RP
ID, a counter that goes backwards, no user verification, another key's signature."""

import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ORIGIN = "http://testserver"
RP_ID = "testserver"
UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
AAGUID = bytes.fromhex("00112233445566778899aabbccddeeff")


def b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, sign_count: int = 0):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = sign_count
        self.user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return b64(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _auth_data(self, rp_id: str, flags: int, count: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)
        if attested:
            data += AAGUID + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def register(
        self,
        options: str | dict,
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        user_verified: bool = True,
    ) -> str:
        """The JSON a browser sends back from ``navigator.credentials.create(options)``."""
        opts = json.loads(options) if isinstance(options, str) else options
        rp_id = rp_id or opts["rp"]["id"]
        flags = UP | AT | (UV if user_verified else 0)
        auth_data = self._auth_data(rp_id, flags, self.sign_count, attested=True)
        client_data = self._client_data("webauthn.create", opts["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.user_handle = unb64(opts["user"]["id"])
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64(client_data),
                    "attestationObject": b64(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
                "authenticatorAttachment": "platform",
            }
        )

    def assertion(
        self,
        options: str | dict,
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        user_verified: bool = True,
        sign_count: int | None = None,
        signing_key=None,
        user_handle: bytes | None = None,
    ) -> str:
        """The JSON a browser sends back from ``navigator.credentials.get(options)``; the
        counter goes up by one unless ``sign_count`` is given."""
        opts = json.loads(options) if isinstance(options, str) else options
        rp_id = rp_id or opts.get("rpId") or RP_ID
        if sign_count is None:
            self.sign_count += 1
            sign_count = self.sign_count
        flags = UP | (UV if user_verified else 0)
        auth_data = self._auth_data(rp_id, flags, sign_count, attested=False)
        client_data = self._client_data("webauthn.get", opts["challenge"], origin)
        signature = (signing_key or self.key).sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        handle = user_handle if user_handle is not None else self.user_handle
        response = {
            "clientDataJSON": b64(client_data),
            "authenticatorData": b64(auth_data),
            "signature": b64(signature),
        }
        if handle:
            response["userHandle"] = b64(handle)
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
                "authenticatorAttachment": "platform",
            }
        )
