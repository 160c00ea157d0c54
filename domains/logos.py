"""Portal logos: PNG or SVG, at most 350 px wide and 200 KB, checked from their bytes.

PNG: the chunk structure is walked (signature, IHDR first, every CRC, IDAT, IEND), so a renamed
file or a truncated one is refused; the width comes from IHDR. No image library is needed.

SVG: parsed as XML; a DOCTYPE (entities), scripts, event-handler attributes, embedded documents and
references to anything outside the file are refused rather than silently edited, so what is stored
is what the operator uploaded. The width comes from ``width`` (absolute units) or the viewBox.
Logos are served only through :func:`logo_response`, whose Content-Security-Policy stops scripts
and outside loads even if an SVG were to carry one.
"""

import re
import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control

MAX_BYTES = 200 * 1024
MAX_WIDTH = 350
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# Served logos may draw and nothing else: no script, no outside load, no form, sandboxed.
LOGO_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
)

_UNITS_PX = {
    "": 1.0,
    "px": 1.0,
    "pt": 4 / 3,
    "pc": 16.0,
    "in": 96.0,
    "cm": 96 / 2.54,
    "mm": 96 / 25.4,
}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z%]*)\s*$", re.I)
_DANGEROUS_ELEMENTS = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
}
_LINK_ATTRIBUTES = {"href", "src"}


@dataclass(frozen=True)
class Logo:
    """A checked logo, ready to store."""

    data: bytes
    kind: str  # "png" | "svg"
    width: float

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def inspect(upload) -> Logo:
    """Read and check an uploaded file; raises ValidationError with the reason it is refused."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            f"The logo is {_kb(size)}; the limit is {MAX_BYTES // 1024} KB. Upload a smaller file."
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"The logo is larger than {MAX_BYTES // 1024} KB; upload a smaller file."
        )
    if not data:
        raise ValidationError("The logo file is empty.")
    if data.startswith(PNG_SIGNATURE):
        logo = Logo(data, "png", _png_width(data))
    elif _looks_like_xml(data):
        logo = Logo(data, "svg", _svg_width(data))
    else:
        raise ValidationError("The logo must be a PNG or SVG image; this file is neither.")
    if logo.width > MAX_WIDTH:
        raise ValidationError(
            f"The logo is {logo.width:g} px wide; the limit is {MAX_WIDTH} px. "
            "Scale it down and upload it again."
        )
    return logo


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


# --- PNG -----------------------------------------------------------------------------------------


def _png_width(data: bytes) -> int:
    broken = ValidationError("The PNG file is damaged or incomplete; save it again and re-upload.")
    position = len(PNG_SIGNATURE)
    width = None
    seen_idat = False
    while True:
        if position + 8 > len(data):
            raise broken
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body_end = position + 8 + length
        if body_end + 4 > len(data):
            raise broken
        body = data[position + 8 : body_end]
        (crc,) = struct.unpack(">I", data[body_end : body_end + 4])
        if zlib.crc32(kind + body) != crc:
            raise broken
        if width is None:
            if kind != b"IHDR" or length != 13:
                raise broken
            width, height = struct.unpack(">II", body[:8])
            if not width or not height:
                raise broken
        elif kind == b"IDAT":
            seen_idat = True
        elif kind == b"IEND":
            if not seen_idat:
                raise broken
            return width
        position = body_end + 4


# --- SVG -----------------------------------------------------------------------------------------


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype"))


def _svg_width(data: bytes) -> float:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("The SVG file is not UTF-8 text.") from exc
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.I):
        raise ValidationError("The SVG has a DOCTYPE or entity declarations; save it without them.")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 (no DOCTYPE, so no entities: checked above)
    except ElementTree.ParseError as exc:
        raise ValidationError(f"The SVG file is not well-formed XML ({exc}).") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValidationError(
            'The file is not an SVG image (its root must be <svg xmlns="http://www.w3.org/2000/svg">).'
        )
    _refuse_active_content(root)
    width = _absolute_length(root.get("width"))
    if width is None:
        width = _view_box_width(root.get("viewBox"))
    if width is None:
        raise ValidationError(
            "The SVG has no width or viewBox, so its size is unknown; add a width in px."
        )
    return width


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _refuse_active_content(root) -> None:
    for element in root.iter():
        tag = _local(element.tag) if isinstance(element.tag, str) else ""
        if tag in _DANGEROUS_ELEMENTS:
            raise ValidationError(
                f"The SVG contains a <{tag}> element (scripts and embedded documents are not "
                "allowed in a logo); save it without."
            )
        if tag == "style" and _outside_reference(element.text or ""):
            raise ValidationError(
                "The SVG's styles load something from outside the file; embed everything in it."
            )
        for raw_name, value in element.attrib.items():
            name = _local(raw_name)
            if name.startswith("on"):
                raise ValidationError(
                    f"The SVG has an event handler ({name}); scripts are not allowed in a logo."
                )
            lowered = value.strip().lower()
            if "javascript:" in lowered.replace(" ", ""):
                raise ValidationError("The SVG contains a javascript: link; save it without.")
            if name in _LINK_ATTRIBUTES and not _local_link(lowered):
                raise ValidationError(
                    f"The SVG refers to something outside the file ({value[:60]}); "
                    "embed everything in it."
                )
            if name == "style" and _outside_reference(lowered):
                raise ValidationError(
                    "The SVG's styles load something from outside the file; embed everything in it."
                )


def _local_link(value: str) -> bool:
    return value.startswith("#") or re.match(r"^data:image/(png|jpeg|gif|webp);", value) is not None


def _outside_reference(css: str) -> bool:
    css = css.lower()
    if "@import" in css:
        return True
    return any(not _local_link(ref.strip("'\" ")) for ref in re.findall(r"url\(([^)]*)\)", css))


def _absolute_length(value: str | None) -> float | None:
    if not value:
        return None
    match = _LENGTH.match(value)
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2).lower()
    if unit not in _UNITS_PX:
        return None  # %, em, ex: relative, so the viewBox says how wide it is
    return round(number * _UNITS_PX[unit], 2)


def _view_box_width(value: str | None) -> float | None:
    if not value:
        return None
    parts = re.split(r"[\s,]+", value.strip())
    if len(parts) != 4:
        return None
    try:
        width = float(parts[2])
    except ValueError:
        return None
    return width if width > 0 else None


# --- Serving -------------------------------------------------------------------------------------


def logo_response(domain, *, public: bool = False) -> HttpResponse:
    """The domain's logo with a CSP that stops scripts; 404 when it has none.

    ``public``: the portal's own logo (anyone may cache it); the panel's preview is private.
    """
    if not domain.logo:
        raise Http404("No logo")
    kind = domain.logo.name.rsplit(".", 1)[-1].lower()
    if kind not in CONTENT_TYPES:
        raise Http404("No logo")
    try:
        with domain.logo.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError as exc:
        raise Http404("No logo") from exc
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Content-Security-Policy"] = LOGO_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="logo.{kind}"'
    # Pages link the logo with ?v=<stored name>; a new upload gets a new name, hence a new URL.
    if public:
        patch_cache_control(response, public=True, max_age=3600)
    else:
        patch_cache_control(response, private=True, max_age=3600)
    return response
