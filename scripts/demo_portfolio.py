"""Demo data for the digital portfolio: the demo professional's portfolio with entries in several states.

Loaded through the services' own request handlers, like the rest of the demo data:
- two self-entered activities with evidence (an A1 course with a PDF certificate, an A2 intervision with a PNG);
- three attendances posted by the demo training provider on new editions of its approved course, which the
  portfolio places as accredited entries: one confirmed, one disputed (with a reason), and one arriving after
  the professional's last visit, so it shows highlighted as new on the first visit.

Loaded once: nothing is added when the portfolio already holds a self-entered activity.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
import uuid
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient

DEMO_ACTOR = "demo-data"
WAIT_SECONDS = 60.0


def demo_pdf(line: str) -> bytes:
    """A small, valid one-page PDF showing `line` (ASCII)."""
    text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def demo_png(width: int = 64, height: int = 32) -> bytes:
    """A small, valid PNG (a blue band on white)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00"
        + b"".join(b"\x0b\x4f\x6c" if height // 3 <= y < 2 * height // 3 else b"\xff\xff\xff" for _ in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def upload_evidence(
    client: RpcClient, actor: contracts.Actor, filename: str, data: bytes, activity_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Stream a file to the portfolio the way the gateway does: begin, chunks, complete with size and hash."""
    started = await client.call(
        "portfolio",
        contracts.BeginEvidenceUpload(
            person_id=actor.person_id,
            actor=actor,
            filename=filename,
            declared_size=len(data),
            activity_id=activity_id,
        ),
    )
    assert isinstance(started, contracts.EvidenceUploadStarted)
    size = started.max_chunk_bytes
    for seq, offset in enumerate(range(0, len(data), size)):
        await client.call(
            "portfolio",
            contracts.AppendEvidenceChunk(
                person_id=actor.person_id,
                actor=actor,
                upload_id=started.upload_id,
                seq=seq,
                data=base64.b64encode(data[offset : offset + size]).decode("ascii"),
            ),
        )
    stored = await client.call(
        "portfolio",
        contracts.CompleteEvidenceUpload(
            person_id=actor.person_id,
            actor=actor,
            upload_id=started.upload_id,
            expected_size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        ),
    )
    assert isinstance(stored, contracts.EvidenceStored)
    return stored.evidence.evidence_id


async def _portfolio(client: RpcClient, actor: contracts.Actor) -> contracts.Portfolio:
    reply = await client.call(
        "portfolio", contracts.GetPortfolio(person_id=actor.person_id, actor=actor, include_svg=False)
    )
    assert isinstance(reply, contracts.Portfolio)
    return reply


async def _wait(
    client: RpcClient, actor: contracts.Actor, ready: Callable[[contracts.Portfolio], bool]
) -> contracts.Portfolio:
    """The portfolio once `ready(portfolio)` holds (registrations and attendances arrive as events)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        try:
            portfolio = await _portfolio(client, actor)
        except RpcError as exc:
            if exc.status != 404:
                raise
        else:
            if ready(portfolio):
                return portfolio
        if loop.time() > deadline:
            raise TimeoutError("the demo portfolio did not fill in time")
        await asyncio.sleep(0.5)


async def _post_attendance(
    client: RpcClient, provider: accreditation_contracts.DemoData, number: str, end: date, label: str
) -> uuid.UUID:
    """A new edition of the demo provider's approved course, ended on `end`, with the professional's attendance."""
    edition = await client.call(
        "accreditation",
        accreditation_contracts.AddEdition(
            provider_id=provider.provider_id,
            course_id=provider.approved_course_id,
            added_by=DEMO_ACTOR,
            start_date=end,
            end_date=end,
            location=label,
        ),
    )
    assert isinstance(edition, accreditation_contracts.EditionDetails)
    posted = await client.call(
        "accreditation",
        accreditation_contracts.PostAttendance(
            provider_id=provider.provider_id,
            edition_id=edition.edition_id,
            idempotency_key=f"demo-portfolio-{edition.edition_id}",
            attendees=[accreditation_contracts.AttendeeInput(registration_number=number)],
            channel="web",
            posted_by=DEMO_ACTOR,
        ),
    )
    assert isinstance(posted, accreditation_contracts.AttendancePostResult)
    (row,) = posted.rows
    if row.attendance_id is None:
        raise RuntimeError(f"demo attendance refused: {row.reason_code} {row.message}")
    return row.attendance_id


async def load_demo_portfolio(
    client: RpcClient, account_id: uuid.UUID, provider: accreditation_contracts.DemoData
) -> list[str]:
    """Fill the demo professional's portfolio unless it holds self-entered work already; return summary lines."""
    registration = await client.call("registry", registry_contracts.GetMyRegistration(actor_account_id=account_id))
    assert isinstance(registration, registry_contracts.RegistrationView)
    actor = contracts.Actor(person_id=registration.person_id, role="professional", origin=DEMO_ACTOR)
    portfolio = await _wait(client, actor, lambda p: p.cycle is not None)
    if any(activity.source == "self_entered" for activity in portfolio.activities):
        return [f"Demo portfolio already present ({len(portfolio.activities)} activities)."]
    assert portfolio.cycle is not None
    today = register_today(system_clock)

    def in_cycle(days_ago: int) -> date:
        assert portfolio.cycle is not None
        return max(portfolio.cycle.starts_on, today - timedelta(days=days_ago))

    certificate = await upload_evidence(
        client, actor, "certificaat-jeugdrecht.pdf", demo_pdf("Certificaat: Jeugdrecht in de praktijk, 12 uur")
    )
    await client.call(
        "portfolio",
        contracts.RecordActivity(
            person_id=actor.person_id,
            actor=actor,
            activity=contracts.ActivityInput(
                category="A1",
                title="Jeugdrecht in de praktijk (niet geaccrediteerd)",
                description="Tweedaagse cursus bij de hogeschool over jeugdrecht en de Leerplichtwet.",
                completion_date=in_cycle(200),
                study_load_hours=Decimal(12),
            ),
            evidence_ids=[certificate],
        ),
    )
    photo = await upload_evidence(client, actor, "intervisie-verslag.png", demo_png())
    await client.call(
        "portfolio",
        contracts.RecordActivity(
            person_id=actor.person_id,
            actor=actor,
            activity=contracts.ActivityInput(
                category="A2",
                title="Intervisie leerplicht regio Utrecht",
                description="Vier bijeenkomsten van twee uur met collega-leerplichtambtenaren.",
                completion_date=in_cycle(90),
                a2_type="intervision",
                quantity=Decimal(4),
                hours_per_unit=Decimal(2),
            ),
            evidence_ids=[photo],
        ),
    )

    number = registration.registration_number
    confirmed = await _post_attendance(client, provider, number, in_cycle(45), "Utrecht")
    disputed = await _post_attendance(client, provider, number, in_cycle(35), "Amersfoort")
    placed = await _wait(
        client,
        actor,
        lambda p: {confirmed, disputed} <= {a.attendance_id for a in p.activities},
    )
    by_attendance = {a.attendance_id: a.activity_id for a in placed.activities if a.attendance_id}
    await client.call(
        "portfolio",
        contracts.ConfirmActivity(person_id=actor.person_id, actor=actor, activity_id=by_attendance[confirmed]),
    )
    await client.call(
        "portfolio",
        contracts.DisputeActivity(
            person_id=actor.person_id,
            actor=actor,
            activity_id=by_attendance[disputed],
            reason="Ik was bij de uitvoering in Utrecht, niet bij die in Amersfoort.",
        ),
    )
    # The professional "visited" after these two; the next entry arrives later, so it shows as new.
    await client.call("portfolio", contracts.MarkPortfolioSeen(person_id=actor.person_id, actor=actor))
    unseen = await _post_attendance(client, provider, number, in_cycle(12), "Zwolle")
    await _wait(client, actor, lambda p: unseen in {a.attendance_id for a in p.activities})
    return [
        "Demo portfolio of the professional: 2 self-entered activities with evidence (A1, A2), provider-placed "
        "entries confirmed, disputed, and one new (highlighted on the first visit)."
    ]
