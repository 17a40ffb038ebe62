"""The professional's own entries, progress against the norm, what-ifs, frozen cycles and the exports."""

from __future__ import annotations

import base64
import csv
import io
import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.errors import RpcError
from portfolio.adapters.orm import cycles
from tests.support.waiting import wait_for

from .conftest import PDF_HEAD, Harness, Person

pytestmark = [pytest.mark.integration]

D = Decimal


def _a2(a2_type: str, quantity: str, *, days_ago: int = 20, title: str | None = None, **extra: object):  # type: ignore[no-untyped-def]
    return contracts.ActivityInput(
        category="A2",
        a2_type=a2_type,
        quantity=D(quantity),
        title=title or a2_type,
        description="Met collega's van het RBL",
        completion_date=utcnow().date() - timedelta(days=days_ago),
        **extra,  # type: ignore[arg-type]
    )


def _a1(hours: str, *, days_ago: int = 20, title: str = "Cursus zonder accreditatie") -> contracts.ActivityInput:
    return contracts.ActivityInput(
        category="A1",
        study_load_hours=D(hours),
        title=title,
        completion_date=utcnow().date() - timedelta(days=days_ago),
    )


async def _record(service: Harness, person: Person, entry: contracts.ActivityInput, **options: object):  # type: ignore[no-untyped-def]
    saved = await service.call(
        contracts.RecordActivity(person_id=person.person_id, actor=person.actor, activity=entry, **options)  # type: ignore[arg-type]
    )
    assert isinstance(saved, contracts.ActivitySaved)
    return saved.activity


async def test_an_a2_activity_with_a_pdf_moves_the_progress_and_is_published(service: Harness) -> None:
    person = await service.register()
    before = await service.portfolio(person)
    assert before.progress is not None and before.progress.met is False and before.progress.days_left > 0
    evidence = (await service.upload(person, [PDF_HEAD + b"verslag"])).evidence

    activity = await _record(
        service, person, _a2("intervision", "3", hours_per_unit=D("1.5")), evidence_ids=[evidence.evidence_id]
    )

    assert (activity.points, activity.state, activity.accredited, activity.counts, activity.editable) == (
        D(6),
        "to_be_checked",
        False,
        True,
        True,
    )
    assert [item.evidence_id for item in activity.evidence] == [evidence.evidence_id]
    after = await service.portfolio(person)
    earned = {c.constraint: c.earned for c in after.progress.constraints}  # type: ignore[union-attr]
    assert earned == {"total": D(6), "accredited": D(0), "a2": D(6)}
    assert after.progress.at_risk_points == D(6)  # type: ignore[union-attr]
    assert "<svg" in after.progress_svg and "6 van 160" in after.progress_svg
    assert str(utcnow().year) in after.timeline_svg or str(utcnow().year - 1) in after.timeline_svg
    await wait_for(
        lambda: any(
            event.activity_id == activity.activity_id  # type: ignore[attr-defined]
            for event in service.published_of(contracts.ActivityRecorded)
        ),
        message="ActivityRecorded for the new entry",
    )


async def test_half_points_and_refusals_of_entries_that_do_not_fit_the_scheme(service: Harness) -> None:
    person = await service.register()
    assert (await _record(service, person, _a1("2.75"))).points == D("2.5")

    cases = [
        (_a2("intervision", "2", hours_per_unit=D("1")), "condition_not_met"),
        (_a2("knitting", "1"), "unknown_a2_type"),
        (_a2("presentation", "1.5"), "quantity_not_whole"),
        (_a1("3", days_ago=-2), "completion_in_future"),
    ]
    for entry, code in cases:
        with pytest.raises(RpcError) as caught:
            await _record(service, person, entry)
        assert (caught.value.status, caught.value.code) == (422, code)


async def test_work_before_registration_is_recorded_but_earns_no_points(service: Harness) -> None:
    person = await service.register()
    activity = await _record(service, person, _a1("8", days_ago=500))
    assert (activity.points, activity.counts, activity.exclusion) == (D(8), False, "before_registration")
    portfolio = await service.portfolio(person)
    assert [a.activity_id for a in portfolio.activities] == [activity.activity_id]
    assert portfolio.progress is not None and portfolio.progress.constraints[0].earned == 0


async def test_an_edit_is_a_new_version_with_who_when_and_why(service: Harness) -> None:
    person = await service.register()
    original = await _record(service, person, _a2("presentation", "1", title="Presentatie"))

    edit = contracts.EditActivity(
        person_id=person.person_id,
        actor=person.actor,
        activity_id=original.activity_id,
        expected_version=1,
        reason="Het waren twee presentaties",
        activity=_a2("presentation", "2", title="Twee presentaties"),
    )
    edited = (await service.call(edit)).activity
    with pytest.raises(RpcError) as stale:
        await service.call(edit)
    history = await service.call(
        contracts.GetActivityHistory(person_id=person.person_id, actor=person.actor, activity_id=original.activity_id)
    )

    assert (edited.version, edited.points, edited.title) == (2, D(10), "Twee presentaties")
    assert (stale.value.status, stale.value.code) == (409, "stale_version")
    assert [(v.version, v.change, v.points, v.reason) for v in history.versions] == [
        (1, "recorded", D(5), ""),
        (2, "edited", D(10), "Het waren twee presentaties"),
    ]
    assert history.versions[0].snapshot["title"] == "Presentatie"
    assert history.versions[1].actor_id == str(person.person_id)


async def test_a_frozen_cycle_refuses_new_and_changed_entries(service: Harness) -> None:
    person = await service.register()
    entry = await _record(service, person, _a2("article", "1"))
    # Freezing arrives with re-registration; here the flag is set directly, as that use case will.
    async with service.engine.begin() as connection:
        await connection.execute(
            sa.update(cycles).where(cycles.c.person_id == person.person_id).values(frozen_at=utcnow())
        )

    with pytest.raises(RpcError) as new:
        await _record(service, person, _a2("article", "1"))
    with pytest.raises(RpcError) as changed:
        await service.call(
            contracts.EditActivity(
                person_id=person.person_id,
                actor=person.actor,
                activity_id=entry.activity_id,
                expected_version=1,
                activity=_a2("article", "2"),
            )
        )
    portfolio = await service.portfolio(person)

    assert (new.value.status, new.value.code) == (409, "dossier_frozen")
    assert (changed.value.status, changed.value.code) == (409, "dossier_frozen")
    assert portfolio.cycle is not None and portfolio.cycle.frozen
    assert [a.editable for a in portfolio.activities] == [False]


async def test_what_if_adding_an_activity_or_losing_self_entered_points_in_a_sample(service: Harness) -> None:
    person = await service.register()
    await service.publish(service.attendance([person], points="40"))
    await wait_for(lambda: _has_entries(service, person, 1), message="the placed course")
    await _record(service, person, _a2("article", "5"))  # 50 A2 points
    await _record(service, person, _a1("62"))  # total 152: 8 short

    add = await service.call(
        contracts.WhatIf(
            person_id=person.person_id,
            actor=person.actor,
            add=contracts.ProposedActivity(category="A2", a2_type="collegial_feedback", quantity=D(2)),
        )
    )
    assert (add.norm_met_now, add.norm_met_after, add.added_points) == (False, True, D(10))
    assert [c.earned for c in add.constraints_after] == [D(162), D(40), D(60)]

    # Total 172 (12 above the minimum), A2 50 (10 above): a sample may reject 10 self-entered points, not more.
    await _record(service, person, _a1("20"))
    safe = await service.call(contracts.WhatIf(person_id=person.person_id, actor=person.actor, reject_points=D(10)))
    unsafe = await service.call(
        contracts.WhatIf(person_id=person.person_id, actor=person.actor, reject_points=D("10.5"))
    )
    assert (safe.norm_met_now, safe.norm_met_after, safe.buffer_points_now, safe.at_risk_points) == (
        True,
        True,
        D(10),
        D(132),
    )
    assert unsafe.norm_met_after is False
    assert [c.earned for c in unsafe.constraints_after] == [D("161.5"), D(40), D("39.5")]
    with pytest.raises(RpcError) as both:
        await service.call(
            contracts.WhatIf(
                person_id=person.person_id,
                actor=person.actor,
                reject_points=D(1),
                add=contracts.ProposedActivity(category="A1", study_load_hours=D(1)),
            )
        )
    assert (both.value.status, both.value.code) == (422, "one_question")


async def _has_entries(service: Harness, person: Person, count: int) -> bool:
    return len((await service.portfolio(person)).activities) == count


def _pdf_strings(data: bytes) -> list[str]:
    """The text shown on the PDF's pages: each content stream inflated, its (string) Tj operands unescaped."""
    shown: list[str] = []
    for match in re.finditer(rb"<<([^>]*)>>\s*stream\r?\n(.*?)\r?\nendstream", data, re.S):
        header, body = match.groups()
        if b"/FlateDecode" in header:
            body = zlib.decompress(body)
        for operand in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body):
            raw = re.sub(rb"\\([()\\])", rb"\1", operand.group(1))
            shown.append(raw.decode("cp1252"))
    return shown


async def test_csv_and_pdf_exports_hold_every_activity_and_the_totals(service: Harness) -> None:
    person = await service.register()
    await service.publish(service.attendance([person], points="40", title="Verzuim en veiligheid"))
    await wait_for(lambda: _has_entries(service, person, 1), message="the placed course")
    await _record(service, person, _a2("article", "2", title="Artikel in vakblad"))
    await _record(service, person, _a1("12.5", title="Cursus Ëlsen & Zonen"))
    await _record(service, person, _a1("8", days_ago=500, title="Oude cursus"))
    titles = {"Verzuim en veiligheid", "Artikel in vakblad", "Cursus Ëlsen & Zonen", "Oude cursus"}

    csv_export = await service.call(contracts.ExportPortfolioCsv(person_id=person.person_id, actor=person.actor))
    assert (
        csv_export.filename
        == f"portfolio-{person.registration_number}-{person.registered_since.year}-{person.registered_since.year + 5}.csv"
    )
    rows = list(csv.reader(io.StringIO(base64.b64decode(csv_export.data).decode("utf-8-sig")), delimiter=";"))
    header, *body = rows
    blank = body.index([])
    activity_rows, totals = body[:blank], body[blank + 1 :]
    assert header[:2] == ["Datum afgerond", "Activiteit"]
    assert {row[1] for row in activity_rows} == titles
    points = {row[1]: row[header.index("Punten")] for row in activity_rows}
    assert points == {
        "Verzuim en veiligheid": "40",
        "Artikel in vakblad": "20",
        "Cursus Ëlsen & Zonen": "12,5",
        "Oude cursus": "8",
    }
    assert {row[1]: row[header.index("Reden niet meetellen")] for row in activity_rows}["Oude cursus"] == (
        "voor de registratie"
    )
    assert totals[1:4] == [
        ["Totaal", "72,5", "160", "87,5", "nee"],
        ["Geaccrediteerd", "40", "40", "0", "ja"],
        ["A2-activiteiten", "20", "40", "20", "nee"],
    ]

    pdf_export = await service.call(contracts.ExportPortfolioPdf(person_id=person.person_id, actor=person.actor))
    pdf = base64.b64decode(pdf_export.data)
    assert pdf.startswith(b"%PDF-") and pdf_export.content_type == "application/pdf"
    shown = _pdf_strings(pdf)
    assert titles <= set(shown)
    assert {"Totaal", "72,5", "160", "87,5", "Geaccrediteerd", "A2-activiteiten", "12,5"} <= set(shown)
    assert person.registration_number in shown
