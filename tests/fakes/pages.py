"""The hosted pages of the fakes (Stripe's checkout, PayPal's approval): plain HTML forms in the
provider's colours, and the redirects back to the merchant. Mixed into their handlers."""

import html

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><link rel="icon" href="data:,">
<style>body{{font:16px system-ui,sans-serif;background:#f6f9fc;margin:0}}
main{{max-width:26rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px}}
label{{display:block;margin:.75rem 0}}input{{display:block;width:100%;padding:.5rem}}
button{{background:{accent};color:{accent_text};border:0;padding:.75rem;width:100%;
font-size:1rem;margin:.25rem 0}}button.secondary{{background:#eee;color:#222}}
.error{{color:#b00020}}.merchant,.hint{{color:#667}}</style></head>
<body><main>{content}</main></body></html>"""


class HostedPages:
    accent, accent_text = "#635bff", "#fff"
    redirect_status = 303

    def send_page(self, status: int, title: str, content: str) -> None:
        data = PAGE.format(
            title=html.escape(title),
            accent=self.accent,
            accent_text=self.accent_text,
            content=content,
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location: str) -> None:
        self.send_response(self.redirect_status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
