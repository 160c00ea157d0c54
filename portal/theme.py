"""A portal domain's colours as CSS custom properties (served as /portal.css, no inline style)."""


def _channels(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(color: str) -> str:
    """White or near-black, whichever reads better on ``color``."""
    background = _luminance(color)
    white = 1.05 / (background + 0.05)
    dark = (background + 0.05) / (_luminance("#1b1f24") + 0.05)
    return "#ffffff" if white >= dark else "#1b1f24"


def custom_properties(color: str) -> dict[str, str]:
    r, g, b = _channels(color)
    return {
        "--color-primary": color,
        "--color-primary-text": text_on(color),
        "--focus": f"0 0 0 3px rgb({r} {g} {b} / 45%)",
    }
