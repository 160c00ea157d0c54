"""Any brand colour an operator picks gives a readable portal (WCAG 2.2 AA contrast)."""

from hypothesis import given
from hypothesis import strategies as st

from domains import theme

colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@given(colours)
def test_text_on_the_brand_colour_reads_at_4_5_to_1(colour):
    assert theme.contrast(theme.text_on(colour), colour) >= 4.5


@given(colours)
def test_links_and_focus_ring_read_on_white(colour):
    properties = theme.custom_properties(colour)
    assert theme.contrast(properties["--color-link"], "#ffffff") >= 4.5
    assert theme.contrast(properties["--color-focus"], "#ffffff") >= 3


def test_a_readable_colour_is_kept_and_a_pale_one_darkened_in_its_own_hue():
    assert theme.ink("#aa3300") == "#aa3300"
    pale = theme.ink("#ffe066")
    assert pale != "#ffe066"
    assert 4.5 <= theme.contrast(pale, "#ffffff") < 4.7  # no darker than it needs to be
    r, g, b = (int(pale[i : i + 2], 16) for i in (1, 3, 5))
    assert r > g > b  # still a yellow


def test_the_operator_is_warned_below_3_to_1_on_white():
    assert theme.low_contrast_warning("#aa3300") == ""
    assert theme.low_contrast_warning("#767676") == ""  # 4.5:1
    warning = theme.low_contrast_warning("#ffe066")
    assert "1.3:1" in warning
    assert "3:1" in warning
