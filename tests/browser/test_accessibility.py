"""Every page of every role, measured in a real browser: axe-core's WCAG 2.1 A and AA rules (no serious or critical
violation), no sideways scrolling at 360 px, and screenshots of the portfolio, the public register and a provider
edition at 360 and 1280 px. Then the main flows with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows and
typing; no clicks), each stop showing its focus ring.

One system for the module: the nine identities of the route matrix (tests/support/identities.py) with their real
objects. The pages per identity come from the route matrix's table (tests/security/test_route_matrix.py): every GET
page its policy lets the identity open, plus the pages that only a query shows (search results, a found account)
and the error pages. JSON, files and downloads are no pages and are left out. The pytest summary lists, per role,
each page walked with its status, its violations and its width at 360 px (tests/browser/conftest.py).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.security.test_route_matrix import GROUPS, ROUTES, _fill
from tests.support.accessibility import (
    DESKTOP_WIDTH,
    PHONE_WIDTH,
    REPORT_KEY,
    Violation,
    axe_script,
    axe_violations,
    press_tab_until,
    sideways_overflow,
    slug,
    widest_elements,
)
from tests.support.browser import Shots, chromium, new_context, sign_in
from tests.support.identities import PASSWORD, ROLES, Identity, Objects, set_up
from tests.support.rpc_setup import demo_account
from tests.support.scheme import scheme_sampling_every_dossier
from tests.support.system import RunningSystem, start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

# Not pages: machine-readable documents, health probes, static files, downloads of files and exports.
NOT_PAGES = (
    "/api/",
    "/xapi/",
    "/static/",
    "/schema/",
    "/livez",
    "/readyz",
    "/metrics",
    "/asyncapi.json",
    "/.well-known/",
    "/status/",
    # A fragment the system page fetches into itself every few seconds, not a page of its own.
    "/beheer/systeem/overzicht",
)
DOWNLOADS = ("/export.csv", "/export.pdf", "/bewijs/", "/bewijs.pdf", "/gegevens.json", ".jwt")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    system: RunningSystem
    browser: Browser
    identities: dict[str, Identity]
    objects: Objects
    shots_dir: Path
    other_number: str  # professional Q's registration number (a recorded attendance in the keyboard flow)


@dataclass
class PageResult:
    role: str
    path: str
    status: int
    violations: list[Violation] = field(default_factory=list)
    overflow: int = 0
    widest: list[str] = field(default_factory=list)


@pytest_asyncio.fixture(scope="module")
async def world(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    axe_script()  # fail at once, before the system starts, when axe-core is not installed
    folder = tmp_path_factory.mktemp("accessibility")
    scheme = scheme_sampling_every_dossier(folder)
    async with (
        start_system(amqp_url, databases, broker_names, folder, env={"AUDIT_SCHEME_PATH": str(scheme)}) as system,
        chromium() as browser,
    ):
        identities, objects = await set_up(system)
        try:
            yield World(
                system, browser, identities, objects, folder, await _number_of(identities["other_professional"])
            )
        finally:
            for identity in identities.values():
                await identity.web.client.aclose()


async def _number_of(identity: Identity) -> str:
    """A registered professional's number, as Mijn LKLR shows it to them."""
    found = re.search(r'data-testid="registration-number">(\d{7})<', (await identity.web.get("/mijn")).text)
    assert found, f"{identity.role} has no registration number on /mijn"
    return found.group(1)


async def _context(world: World, role: str, **options: Any) -> BrowserContext:
    """A browser profile signed in as `role` (the session cookie of the identity's web client)."""
    context = await new_context(world.browser, world.system.gateway_url, **options)
    cookies = [
        {"name": cookie.name, "value": cookie.value, "url": world.system.gateway_url}
        for cookie in world.identities[role].web.client.cookies.jar
    ]
    if cookies:
        await context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


def pages_of(role: str, objects: Objects) -> list[str]:
    """The GET pages `role` may open (route matrix policy `ok` or `own`), filled with real objects, and the pages
    only a query or a refusal shows."""
    paths = [
        _fill(path, objects)
        for (method, path), group in ROUTES.items()
        if method == "GET"
        and not path.startswith(NOT_PAGES)
        and not any(part in path for part in DOWNLOADS)
        and GROUPS[group][role] in ("ok", "own")
    ]
    paths += ["/register?q=" + objects.registration_number, "/opleidingen?q=cursus", "/bestaat-niet"]
    if role == "administrator":
        paths.append("/beheer/accounts?email=" + quote("professional@route-matrix.example"))
    if role == "professional":
        paths += ["/beheer/aanvragen", "/portfolio?status=to_be_checked"]  # a refusal page; a filtered portfolio
        # Last: Mijn LKLR in English, with its e-mail language setting (the switch makes the mails English too).
        paths.append("/mijn?lang=en")
    if role == "anonymous":
        # Last: the English pages (the choice is remembered for the pages after it).
        paths += ["/?lang=en", "/register?lang=en&q=" + objects.registration_number, "/toegankelijkheid?lang=en"]
    return paths


# Pages photographed at both widths, per role: the portfolio, the public register with results, a provider edition.
def _photographed(role: str, path: str) -> bool:
    return (
        (role == "professional" and path == "/portfolio")
        or (role == "anonymous" and path.startswith("/register?q="))
        or (role == "provider_a" and "/edities/" in path)
    )


async def _measure(world: World, role: str, shots: Shots) -> list[PageResult]:
    context = await _context(world, role)
    page = await context.new_page()
    results = []
    try:
        for path in pages_of(role, world.objects):
            await page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
            response = await page.goto(path)
            assert response is not None
            result = PageResult(role, path, response.status)
            result.overflow = await sideways_overflow(page)
            if result.overflow:
                result.widest = await widest_elements(page)
            if _photographed(role, path):
                await shots.take(page, f"{role}-{slug(path)}-{PHONE_WIDTH}")
            await page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 900})
            if _photographed(role, path):
                await shots.take(page, f"{role}-{slug(path)}-{DESKTOP_WIDTH}")
            result.violations = await axe_violations(page)
            results.append(result)
    finally:
        await context.close()
    return results


@pytest_asyncio.fixture(scope="module")
async def measured(world: World, request: pytest.FixtureRequest) -> list[PageResult]:
    """Every role's pages, measured once for the tests below (two roles at a time: the machine has two cores)."""
    shots = Shots(world.shots_dir, prefix="a11y-")
    limit = asyncio.Semaphore(2)

    async def one(role: str) -> list[PageResult]:
        async with limit:
            return await _measure(world, role, shots)

    per_role = await asyncio.gather(*(one(role) for role in ROLES))
    results = [result for results in per_role for result in results]
    report = [f"{len(results)} pages walked, screenshots in {shots.folder}"]
    for role in ROLES:
        mine = [result for result in results if result.role == role]
        report.append(f"{role} ({len(mine)} pages):")
        for result in mine:
            width = f"+{result.overflow} px at {PHONE_WIDTH}" if result.overflow else f"fits {PHONE_WIDTH}"
            report.append(f"  {result.status} {result.path}  axe: {len(result.violations)} serious/critical  {width}")
            report.extend(f"      {violation}" for violation in result.violations)
    request.config.stash[REPORT_KEY] = report
    # The same list as a file beside the screenshots, for a reviewer who reads the run's artefacts, not its log.
    (shots.folder / "accessibility-report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return results


async def test_every_page_of_every_role_has_no_serious_or_critical_wcag_21_aa_violation(
    measured: list[PageResult],
) -> None:
    assert {result.role for result in measured} == set(ROLES)
    assert all(result.status < 500 for result in measured), [r.path for r in measured if r.status >= 500]
    failing = [f"{r.role} {r.path}: {v}" for r in measured for v in r.violations]
    assert not failing, f"{len(failing)} axe violations:\n" + "\n".join(failing)


async def test_no_page_of_any_role_scrolls_sideways_at_360_px(measured: list[PageResult]) -> None:
    wide = [f"{r.role} {r.path}: {r.overflow} px too wide ({'; '.join(r.widest)})" for r in measured if r.overflow]
    assert not wide, "pages wider than 360 px:\n" + "\n".join(wide)


async def test_screenshots_of_portfolio_register_and_provider_edition_at_360_and_1280_px(
    measured: list[PageResult], world: World
) -> None:
    folder = Shots(world.shots_dir, prefix="a11y-").folder
    names = sorted(path.name for path in folder.glob("a11y-*.png"))
    for subject in ("professional-portfolio", "anonymous-register-q-", "provider_a-aanbieder-opleidingen-"):
        for width in (PHONE_WIDTH, DESKTOP_WIDTH):
            assert any(subject in name and name.endswith(f"-{width}.png") for name in names), (subject, width, names)


async def test_the_public_register_keeps_status_and_valid_until_in_view_on_a_phone(world: World) -> None:
    context = await _context(world, "anonymous")
    page = await context.new_page()
    await page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    await page.goto("/register?q=" + world.objects.registration_number)
    row = page.locator(".register-table tbody tr").first
    for cell in (row.locator("td:has(.status)"), row.locator("td:last-child")):  # status; valid until
        await expect(cell).to_be_visible()
        box = await cell.bounding_box()
        assert await cell.get_attribute("data-label")  # the card says what the value is
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box
    await context.close()


async def test_progress_bars_and_yearly_chart_carry_their_figures_as_text(world: World) -> None:
    context = await _context(world, "professional")
    page = await context.new_page()
    await page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    await page.goto("/portfolio")
    bars = page.get_by_test_id("progress-bars").locator("progress")
    assert await bars.count() == 3
    for index in range(3):
        name = await bars.nth(index).evaluate("(bar) => bar.labels.length ? '' : bar.getAttribute('aria-labelledby')")
        label = " ".join([await page.locator(f"#{part}").inner_text() for part in name.split()])
        assert re.search(r"\d+ van \d+ punten", label), label
    # The figures beside the bars are text of a readable size on a phone, not shrunken drawing labels.
    size = await page.locator(".norm-bar-figures").first.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 14
    # The yearly chart's labels stay readable on a phone (at least 11 px as drawn).
    smallest = await page.get_by_test_id("timeline-svg").evaluate(
        "(box) => Math.min(...[...box.querySelectorAll('text')].map((t) => t.getBoundingClientRect().height))"
    )
    assert smallest >= 11, smallest
    await page.keyboard.press("Tab")  # the page's first stop is the skip link, visible once focused
    await expect(page.locator(".skip-link")).to_be_focused()
    box = await page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0, box
    summary = page.locator(".chart-table summary")
    await press_tab_until(page, ".chart-table summary")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("per-year")).to_be_visible()
    await expect(summary).to_be_focused()
    await context.close()


async def test_information_pages_are_linked_from_every_page(world: World) -> None:
    context = await _context(world, "anonymous")
    page = await context.new_page()
    await page.goto("/")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    await expect(menu.get_by_role("link", name="Opleidingen")).to_have_attribute("href", "/opleidingen")
    await expect(menu.get_by_role("link", name="Auditcijfers")).to_have_attribute("href", "/statistieken/audit")
    footer = page.locator("footer")
    for name, href in (("Toegankelijkheid", "/toegankelijkheid"), ("Privacy", "/privacy"), ("Contact", "/contact")):
        await expect(footer.get_by_role("link", name=name)).to_have_attribute("href", href)
    await footer.get_by_role("link", name="API, berichtenverkeer en status").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Voor ontwikkelaars")
    await expect(page.get_by_test_id("status")).to_contain_text("Het register werkt")
    assert await page.locator("footer a[href='/readyz']").count() == 0  # no raw JSON as "Status"
    await context.close()


# --- Staff: from sign-in to the first piece of work, by clicks alone ---------------------------------------------


async def _applicant(world: World) -> str:
    """A professional with an application waiting in the office's queue (the office's first piece of work)."""
    email = f"aanvrager-{uuid.uuid4().hex[:8]}@route-matrix.example"
    await demo_account(world.system.rpc, email, PASSWORD, initials="W.", surname="Wachtrij", account_roles=[])
    user = WebUser(world.system.gateway_url)
    try:
        await user.sign_in(email, PASSWORD)
        applied = await user.post_form(
            "/mijn/aanvraag",
            {
                "role": "leerplichtambtenaar",
                "employer_name": "Gemeente Deventer",
                "employer_kind": "municipality",
                "hours_per_week": "24",
                "declaration": "yes",
            },
            csrf_page="/mijn/aanvraag",
        )
        assert applied.status_code in (200, 303), applied.text[:500]
    finally:
        await user.client.aclose()
    return "W. Wachtrij"


async def _sign_in_by_clicks(page: Page, identity: Identity) -> None:
    """From the start page: the header's sign-in link, e-mail and password, then the authenticator's code."""
    await page.goto("/")
    await page.locator("header").get_by_role("link", name="Inloggen").click()
    assert identity.totp_secret is not None
    await sign_in(page, identity.email, PASSWORD, totp_secret=identity.totp_secret)


async def _first_work_of_the_office(page: Page, world: World, applicant: str) -> None:
    await expect(page).to_have_url(re.compile(r"/beheer/aanvragen$"))
    await expect(page.get_by_text(re.compile(r"\d+ aanvra(ag|gen) wacht"))).to_be_visible()  # the queue with its count
    card = page.locator("li.application").filter(has_text=applicant)
    await card.get_by_role("button", name="Goedkeuren").click()
    # Deciding is the work; approving cannot be undone, so a page asks first (and is measured like any page).
    await expect(page.get_by_role("heading", name="Aanvraag goedkeuren?")).to_be_visible()
    await expect(page.get_by_test_id("confirmation")).to_contain_text(applicant)
    assert not await axe_violations(page)
    await page.get_by_role("link", name="Annuleren").click()
    await expect(card).to_be_visible()  # nothing was decided


async def _first_work_of_the_accreditation_committee(page: Page, world: World, applicant: str) -> None:
    await expect(page).to_have_url(re.compile(r"/commissie$"))
    await page.get_by_role("link", name="Cursus van B").click()
    await expect(page.get_by_role("heading", level=1, name="Cursus van B")).to_be_visible()
    await expect(page.locator("section.decision-approve").get_by_role("button", name="Goedkeuren")).to_be_visible()


async def _first_work_of_the_assessment_committee(page: Page, world: World, applicant: str) -> None:
    await expect(page).to_have_url(re.compile(r"/beoordeling$"))
    await page.locator(f"a[href='/beoordeling/zaken/{world.objects.case_id}']").first.click()
    await expect(page).to_have_url(re.compile(rf"/beoordeling/zaken/{world.objects.case_id}$"))
    await expect(page.locator(".judge-form").first).to_be_visible()


async def _first_work_of_the_administrator(page: Page, world: World, applicant: str) -> None:
    await expect(page).to_have_url(re.compile(r"/beheer/accounts$"))
    await page.get_by_label("E-mailadres van het account").fill("spare@route-matrix.example")
    await page.get_by_role("button", name="Zoeken").click()
    await expect(page.get_by_test_id("found-account")).to_be_visible()
    await expect(page.get_by_role("button", name="Rollen opslaan")).to_be_visible()


FIRST_WORK = {
    "office": _first_work_of_the_office,
    "accreditation_committee": _first_work_of_the_accreditation_committee,
    "assessment_committee": _first_work_of_the_assessment_committee,
    "administrator": _first_work_of_the_administrator,
}


@pytest.mark.parametrize("role", list(FIRST_WORK))
async def test_each_staff_role_goes_from_sign_in_to_its_first_work_by_clicks_alone(
    world: World, role: str, request: pytest.FixtureRequest
) -> None:
    applicant = await _applicant(world) if role == "office" else ""
    context = await new_context(world.browser, world.system.gateway_url)
    page = await context.new_page()
    # Only the start page is opened by address (in `_sign_in_by_clicks`); every later page comes from a click.
    try:
        await _sign_in_by_clicks(page, world.identities[role])
        await FIRST_WORK[role](page, world, applicant)
        assert not await axe_violations(page)
        report = request.config.stash.get(REPORT_KEY, None)
        if report is not None:  # the walk's pages join the accessibility report (the confirmation page too)
            report.append(f"{role} walk: sign-in, second step, {page.url.removeprefix(world.system.gateway_url)}")
        shots = Shots(world.shots_dir, prefix="staff-")
        await shots.take(page, f"{role}-first-work")
    finally:
        await context.close()


# --- The public audit figures against the office's view of the same dossiers -------------------------------------


async def test_public_audit_figures_match_the_offices_view_of_the_same_dossiers(world: World) -> None:
    """The office's overview of re-registrations and the public audit figures count the same dossiers the same way:
    dossiers, sampled, met, not met and in progress (P's dossier is sampled here: the scheme samples everything)."""
    overview = (await world.identities["office"].web.get("/beheer/herregistraties")).text
    rows = re.findall(r'<tr data-sampled="(ja|nee|)" data-outcome="(\w*)">', overview)
    public = (await world.identities["anonymous"].web.get("/statistieken/audit")).text
    figures = re.search(r"<tbody>\s*<tr>\s*<th scope=\"row\">\d{4}</th>(.*?)</tr>", public, re.S)
    assert figures, public[:2000]
    dossiers, sampled, met, _returned, not_met, in_progress = (
        int(value.replace(".", "")) for value in re.findall(r'<td class="num">([\d.]+)</td>', figures.group(1))
    )
    assert rows and dossiers == len(rows)
    assert sampled == sum(mark == "ja" for mark, _outcome in rows) >= 1
    assert met == sum(outcome == "met" for _mark, outcome in rows)
    assert not_met == sum(outcome == "not_met" for _mark, outcome in rows)
    assert in_progress == sum(outcome not in ("met", "not_met") for _mark, outcome in rows)


# --- Keyboard only ---------------------------------------------------------------------------------------------


async def _type_into(page: Page, selector: str, text: str) -> None:
    await press_tab_until(page, selector)
    await page.keyboard.type(text)


async def test_apply_for_registration_with_the_keyboard_alone(world: World) -> None:
    context = await new_context(world.browser, world.system.gateway_url)
    page = await context.new_page()
    await page.goto("/inloggen")
    await _type_into(page, "#email", "spare@route-matrix.example")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/(mijn|portfolio)?$"))
    await page.goto("/mijn/aanvraag")
    await press_tab_until(page, "input[name=role]")
    await page.keyboard.press("Space")
    await _type_into(page, "#employer_name", "Gemeente Zwolle")
    await press_tab_until(page, "input[name=employer_kind]")
    await page.keyboard.press("Space")
    await _type_into(page, "#hours_per_week", "24")
    await press_tab_until(page, "#declaration-yes")
    await page.keyboard.press("Space")
    await press_tab_until(page, "form[action='/mijn/aanvraag'] button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("application-status")).to_be_visible()
    await context.close()


async def test_add_an_activity_with_evidence_with_the_keyboard_alone(world: World, tmp_path: Path) -> None:
    evidence = tmp_path / "certificaat.pdf"
    evidence.write_bytes(PDF)
    # Q: P's dossier is frozen for the audit, so P's portfolio takes no new activities.
    context = await _context(world, "other_professional")
    page = await context.new_page()
    await page.goto("/portfolio")
    await press_tab_until(page, "a[href='/portfolio/nieuw']")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/portfolio/nieuw")
    await press_tab_until(page, "#category-A1")  # Tab enters the radio group; the arrow key chooses within it
    await page.keyboard.press("ArrowDown")
    await expect(page.locator("#category-A2")).to_be_checked()
    await _type_into(page, "#title", "Intervisie verzuimaanpak")
    await _type_into(page, "#completion_date", "01-09-2026")
    await press_tab_until(page, "#a2_type")
    await page.keyboard.press("ArrowDown")  # the first kind of A2 activity
    await _type_into(page, "#quantity", "1")
    await press_tab_until(page, "#evidence")
    async with page.expect_file_chooser() as chooser:
        await page.keyboard.press("Space")
    await (await chooser.value).set_files(str(evidence))
    await press_tab_until(page, ".activity-form button[type=submit]")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/portfolio(\?.*)?$"))
    await expect(page.get_by_role("heading", name="Intervisie verzuimaanpak")).to_be_visible()
    await expect(page.get_by_role("link", name="certificaat.pdf")).to_be_visible()  # the evidence came along
    await context.close()


async def test_post_attendance_with_the_keyboard_alone(world: World) -> None:
    objects = world.objects
    context = await _context(world, "provider_a")
    page = await context.new_page()
    await page.goto(f"/aanbieder/opleidingen/{objects.course_id}/edities/{objects.edition_id}")
    await _type_into(page, "#numbers", world.other_number)
    await press_tab_until(page, "form[action*='/deelnemers'] button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.locator(".attendance-result")).to_contain_text(world.other_number)
    await context.close()


async def test_judge_a_case_with_the_keyboard_alone(world: World) -> None:
    context = await _context(world, "assessment_committee")
    page = await context.new_page()
    await page.goto("/beoordeling")
    case = f"/beoordeling/zaken/{world.objects.case_id}"
    await press_tab_until(page, f"a[href='{case}']")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**{case}")
    await press_tab_until(page, ".judge-form input[value=approved]")
    await page.keyboard.press("Space")
    await press_tab_until(page, ".judge-form textarea")
    await page.keyboard.type("Het verslag toont de activiteit.")
    await press_tab_until(page, ".judge-form button[type=submit]")
    await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    await expect(page.locator(".verdict-approved").first).to_be_visible()
    await context.close()


async def test_the_axe_check_finds_a_known_violation(world: World) -> None:
    """The measurement itself: a page with an unlabelled field and an image without text fails it."""
    context = await new_context(world.browser, world.system.gateway_url)
    page = await context.new_page()
    await page.goto("/bestaat-niet")
    await page.evaluate(
        "() => { document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<img src="/static/favicon.svg"><input type="text">\'); }'
    )
    rules = {violation.rule for violation in await axe_violations(page)}
    assert {"image-alt", "label"} <= rules, rules
    await context.close()


def test_uuid_objects_fill_the_pages() -> None:
    """The page list holds no unfilled path parameter (a route added with a new parameter needs an object)."""
    objects = Objects(**{name: uuid.uuid4() for name in Objects.__dataclass_fields__} | {"registration_number": "1"})
    for role in ROLES:
        assert not [path for path in pages_of(role, objects) if "{" in path]
