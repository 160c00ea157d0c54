"""A portal domain's colours as CSS custom properties (served by the portal as /portal.css).

Whatever colour the operator picks, the portal stays readable (WCAG 2.2 AA): the text on the brand
colour is whichever of white, near-black or black reaches 4.5:1, and links and the focus ring use
the brand colour darkened until it reaches 4.5:1 on the white page.
"""

WHITE = "#ffffff"
NEAR_BLACK = "#1b1f24"
TEXT_CONTRAST = 4.5  # WCAG 1.4.3, normal text
UI_CONTRAST = 3.0  # WCAG 1.4.11, buttons, borders, focus indicators


def _channels(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(r: float, g: float, b: float) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in (r, g, b))


def _luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(color: str) -> str:
    """The text colour for ``color``: white or near-black, whichever reads better, and pure black
    when neither reaches 4.5:1 (mid-tone colours; black or white always does)."""
    best = max((WHITE, NEAR_BLACK), key=lambda text: contrast(text, color))
    if contrast(best, color) >= TEXT_CONTRAST:
        return best
    return max((WHITE, "#000000"), key=lambda text: contrast(text, color))


def ink(color: str, on: str = WHITE, ratio: float = TEXT_CONTRAST) -> str:
    """``color`` itself when it reaches ``ratio`` on ``on``, else the lightest darker shade of it
    (mixed towards black) that does: the brand's hue for links and focus rings on the page."""
    if contrast(color, on) >= ratio:
        return color
    r, g, b = _channels(color)
    low, high = 0.0, 1.0  # share of the original colour kept
    for _ in range(20):
        mid = (low + high) / 2
        if contrast(_hex(r * mid, g * mid, b * mid), on) >= ratio:
            low = mid
        else:
            high = mid
    return _hex(r * low, g * low, b * low)


# {ratio} is filled in here and, as the operator picks a colour, by static/js/app.js.
LOW_CONTRAST_WARNING = (
    "This colour has a contrast of {ratio}:1 on white, below the 3:1 that buttons and the header "
    "need to be seen by everyone. The portal draws its links and focus ring in a darker shade of "
    "it; pick a darker colour to keep your own everywhere."
)


def low_contrast_warning(color: str) -> str:
    """A sentence for the operator when ``color`` cannot reach 3:1 on white, else ""."""
    ratio = contrast(color, WHITE)
    if ratio >= UI_CONTRAST:
        return ""
    return LOW_CONTRAST_WARNING.format(ratio=f"{ratio:.1f}")


def custom_properties(color: str) -> dict[str, str]:
    focus = ink(color, ratio=UI_CONTRAST)
    return {
        "--color-primary": color,
        "--color-primary-text": text_on(color),
        "--color-primary-hover": color,
        "--color-link": ink(color),
        "--color-focus": focus,
    }
