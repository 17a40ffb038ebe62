"""Measuring pages in the browser tests: axe-core's WCAG 2.1 A/AA rules, sideways scrolling at a phone's width,
visible keyboard focus, and the GET pages each identity of the route matrix can reach.

axe-core is an npm package kept in `tests/support/axe` (package.json + package-lock.json; `./scripts/test` runs
`npm ci` there when node_modules is missing). Tests never download it themselves.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.async_api import Page

AXE_DIR: Final = Path(__file__).resolve().parent / "axe"
AXE_SCRIPT: Final = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA_TAGS: Final = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING_IMPACTS: Final = frozenset({"serious", "critical"})
# The report of the pages walked, kept for the terminal summary of tests/browser/conftest.py (CI output shows it).
REPORT_KEY: Final = pytest.StashKey[list[str]]()
PHONE_WIDTH: Final = 360
DESKTOP_WIDTH: Final = 1280


def axe_script() -> Path:
    """The axe-core script; a clear failure (not a skip) when `npm ci` has not run in tests/support/axe."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci --prefix {AXE_DIR}` (./scripts/test does it)")
    return AXE_SCRIPT


@functools.cache
def _axe_source() -> str:
    # Evaluated as a script body; the trailing expression makes the evaluation's value a plain boolean.
    return axe_script().read_text(encoding="utf-8") + "\n;true"


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks, with the first few elements that break it."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


async def axe_violations(page: Page) -> list[Violation]:
    """Run axe-core on the page as it stands, WCAG 2.1 A and AA rules; the serious and critical violations.

    The page keeps its Content-Security-Policy (no inline script), which would block a <script> element injected
    with the axe source (`page.add_script_tag`); the source is evaluated through the browser's debugging protocol
    instead, which the policy does not govern, so the page is measured exactly as a visitor gets it.
    """
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_axe_source())
    result: dict[str, Any] = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(WCAG_21_AA_TAGS),
    )
    return [
        Violation(
            rule=item["id"],
            impact=item["impact"],
            help=item["help"],
            targets=tuple(" ".join(map(str, node["target"])) for node in item["nodes"][:3]),
        )
        for item in result["violations"]
        if item.get("impact") in BLOCKING_IMPACTS
    ]


async def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it does not scroll sideways)."""
    width: int = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return max(width, 0)


async def widest_elements(page: Page, limit: int = 3) -> list[str]:
    """The elements reaching furthest right, to say in a failure what makes a page scroll sideways."""
    found: list[str] = await page.evaluate(
        """(limit) => {
            // Elements inside a box that scrolls or clips sideways do not widen the page.
            const clipped = (el) => {
                for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') return true;
                }
                return false;
            };
            const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
            // An element reaching past the window, or one whose own content (a long word) sticks out of it.
            const reach = (el) => Math.max(el.getBoundingClientRect().right,
                el.getBoundingClientRect().left + el.scrollWidth);
            return [...document.querySelectorAll('body *')]
                .map((el) => [reach(el), el])
                .filter(([right, el]) => right > window.innerWidth + 0.5 && !clipped(el))
                .sort((a, b) => b[0] - a[0]).slice(0, limit)
                .map(([right, el]) => `${name(el)} (right edge ${Math.round(right)} px)`);
        }""",
        limit,
    )
    return found


async def focus_is_visible(page: Page) -> bool:
    """Whether the focused element shows the site's focus ring (an outline, or a box-shadow on form controls)."""
    visible: bool = await page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const style = getComputedStyle(el);
            return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
        }"""
    )
    return visible


async def press_tab_until(page: Page, selector: str, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus; every stop on the way must
    show the focus ring (WCAG 2.4.7).

    Fails when the element is not reached within `limit` presses: then the keyboard cannot get there.
    """
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        await page.keyboard.press(key)
        focused = await page.evaluate(
            """() => { const el = document.activeElement; if (!el) return '';
                const style = getComputedStyle(el);
                return `${el.outerHTML.slice(0, 120)} (outline ${style.outlineStyle} ${style.outlineWidth},` +
                       ` box-shadow ${style.boxShadow})`; }"""
        )
        assert await focus_is_visible(page), f"no visible focus on {focused} at {page.url}"
        if await page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} × {key} on {page.url}")


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(path: str) -> str:
    """A file name for a page's screenshot."""
    return _SLUG.sub("-", path.lower()).strip("-") or "start"
