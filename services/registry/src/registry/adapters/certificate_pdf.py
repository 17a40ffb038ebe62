"""The PDF certificate of registration: who is registered, as what, for which period, with a QR code that leads to
the public register entry (where anyone sees the current status, which a printed page cannot)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import segno
from fpdf import FPDF

__all__ = ["CertificateFacts", "render_certificate"]

_ROLE_NAMES = {"leerplichtambtenaar": "leerplichtambtenaar", "rmc_medewerker": "RMC-medewerker"}


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What the certificate states."""

    registration_number: str
    name: str
    roles: tuple[str, ...]
    registered_since: date
    cycle_starts_on: date
    cycle_ends_on: date
    norm_met_on: date | None
    register_entry_url: str
    issued_on: date


def _qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    # A quiet zone of four modules (the standard's) and large modules: it scans from paper and from the PDF's image.
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def _text(value: str) -> str:
    # The built-in fonts cover Windows-1252 (names with ë, é ...); anything else becomes "?" rather than failing.
    return value.encode("cp1252", errors="replace").decode("cp1252")


def _nl_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def render_certificate(facts: CertificateFacts) -> bytes:
    """The certificate as PDF bytes (A4, one page; Dutch with the English terms beside them)."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"Bewijs van registratie {facts.registration_number}")
    pdf.set_author("Landelijk Kwaliteitsregister Leerplicht & RMC")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=18)
    pdf.multi_cell(0, 9, "Bewijs van registratie", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Landelijk Kwaliteitsregister Leerplicht & RMC / Certificate of registration")
    pdf.ln(6)
    roles = ", ".join(_ROLE_NAMES.get(role, role) for role in facts.roles)
    rows = [
        ("Naam / Name", facts.name),
        ("Registratienummer / Registration number", facts.registration_number),
        ("Functie(s) / Role(s)", roles),
        ("Geregistreerd sinds / Registered since", _nl_date(facts.registered_since)),
        (
            "Registratieperiode / Cycle",
            f"{_nl_date(facts.cycle_starts_on)} t/m {_nl_date(facts.cycle_ends_on)}",
        ),
    ]
    if facts.norm_met_on is not None:
        rows.append(("Norm behaald op / Norm met on", _nl_date(facts.norm_met_on)))
    rows.append(("Afgegeven op / Issued on", _nl_date(facts.issued_on)))
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(85, 7, label)
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 7, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.image(io.BytesIO(_qr_png(facts.register_entry_url)), w=50, h=50)
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(
        0,
        5,
        "De QR-code leidt naar uw vermelding in het openbare register, met de actuele status: "
        f"{facts.register_entry_url}\nThe QR code leads to the entry in the public register, with its current "
        "status. A digitally signed proof (verifiable credential) can be checked on /verifieren.",
    )
    return bytes(pdf.output())
