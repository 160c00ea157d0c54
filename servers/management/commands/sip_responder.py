"""A tiny SIP responder for trying the health check locally: answers OPTIONS over UDP with
``200 OK`` (RFC 3261 §8.2.6: Via, From, Call-ID and CSeq copied, a tag added to To) and anything
else with ``501 Not Implemented``. ``make run`` starts it beside the panel on 127.0.0.1:5070,
where the demo server "sip-local-demo" points. Not for production: real servers answer there.
"""

import re
import secrets
import socket

from django.core.management.base import BaseCommand

SERVER = "VoIP-Console-Demo-Responder/1.0"
COPIED = ("via", "v", "from", "f", "call-id", "i", "cseq")


def respond(data: bytes) -> bytes | None:
    text = data.decode("utf-8", errors="replace")
    lines = re.split(r"\r?\n", re.split(r"\r?\n\r?\n", text, maxsplit=1)[0])
    match = re.fullmatch(r"([A-Z]+) \S+ SIP/2\.0", lines[0].strip())
    if match is None or match.group(1) == "ACK":
        return None  # a response, garbage, or an ACK: nothing to answer
    code, reason = ("200", "OK") if match.group(1) == "OPTIONS" else ("501", "Not Implemented")
    out = [f"SIP/2.0 {code} {reason}"]
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        if key in COPIED:
            out.append(line)
        elif key in ("to", "t"):
            out.append(line if ";tag=" in value else f"{line};tag={secrets.token_hex(4)}")
    out += [f"Server: {SERVER}", "Allow: OPTIONS", "Content-Length: 0", "", ""]
    return "\r\n".join(out).encode()


class Command(BaseCommand):
    help = "Answer SIP OPTIONS over UDP (for trying the health check on a development machine)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5070)

    def handle(self, *args, host, port, **options):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((host, port))
            except OSError as exc:
                self.stderr.write(f"SIP responder not started: {host}:{port} is taken ({exc}).")
                return
            self.stdout.write(f"SIP responder answering OPTIONS on udp://{host}:{port}")
            while True:
                data, source = sock.recvfrom(65535)
                answer = respond(data)
                if answer is not None:
                    sock.sendto(answer, source)
