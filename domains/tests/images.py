"""Small real images for logo tests, made here (valid PNG chunks with CRCs; SVG text)."""

import struct
import zlib


def png(width: int, height: int = 20, extra: int = 0) -> bytes:
    """A valid RGB PNG of ``width`` by ``height``; ``extra`` pads it with a text chunk."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x20\x60\xc0" * width for _ in range(height))
    padding = chunk(b"tEXt", b"Comment\x00" + b"x" * extra) if extra else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + padding
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def svg(attributes: str = 'width="200" height="60"', body: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" {attributes}>'
        f'<rect width="10" height="10" fill="#123456"/>{body}</svg>'
    ).encode()
