"""Keyboard-only browsing for the browser tests: move the focus with Tab and check, at each
stop, that the focused element shows a focus ring a person can see (WCAG 2.4.7, and 1.4.11's
3:1 contrast of the ring against what is around it)."""

from __future__ import annotations

import re

from playwright.sync_api import Page

MIN_RING_PX = 2.0
MIN_RING_CONTRAST = 3.0
MAX_TABS = 80

# The focused element's ring: its outline, and the first opaque background behind it.
_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let behind = el.parentElement, background = 'rgb(255, 255, 255)';
  while (behind) {
    const color = getComputedStyle(behind).backgroundColor;
    if (!/^rgba\\(.*, 0\\)$/.test(color) && color !== 'transparent') { background = color; break; }
    behind = behind.parentElement;
  }
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '=' + el.value : ''),
    focusVisible: el.matches(':focus-visible'),
    style: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0,
    color: style.outlineColor, background: background,
  };
}"""


def luminance(rgb: str) -> float:
    """The relative luminance (WCAG 2.1) of a CSS ``rgb()``/``rgba()`` colour.

    Examples
    --------
    >>> luminance("rgb(255, 255, 255)"), luminance("rgb(0, 0, 0)")
    (1.0, 0.0)
    """
    red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", rgb)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    """The contrast ratio (WCAG 2.1) of two CSS ``rgb()`` colours, from 1 to 21.

    Examples
    --------
    >>> round(contrast("rgb(240, 180, 0)", "rgb(255, 255, 255)"), 2)
    1.87
    >>> round(contrast("rgb(29, 35, 43)", "rgb(247, 248, 250)"), 1)
    14.9
    """
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_focus_visible(page: Page) -> str:
    """Fail unless the focused element shows a solid ring of at least 2 px with 3:1 contrast
    against the background behind it; a short description of the element."""
    ring = page.evaluate(_RING)
    what = ring["what"]
    assert ring["focusVisible"], f"{what}: has the focus but is not :focus-visible"
    assert ring["style"] != "none" and ring["width"] >= MIN_RING_PX, f"{what}: no focus ring"
    ratio = contrast(ring["color"], ring["background"])
    assert ratio >= MIN_RING_CONTRAST, (
        f"{what}: focus ring {ring['color']} on {ring['background']} has contrast {ratio:.2f}:1"
    )
    return what


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus, checking the focus
    ring of every element on the way; fail after ``MAX_TABS`` presses."""
    passed = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break  # past the last control
        passed.append(assert_focus_visible(page))
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; it went through {passed}")
