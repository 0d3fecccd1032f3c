"""Parse and validate MRZ text by ICAO Doc 9303 (TD1, TD2, TD3, MRV-A, MRV-B).

Pure: text lines in, fields, checks and reason codes out. Nothing here guesses at characters; it reports what
is printed and whether every check digit agrees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from svs.mrz.checkdigit import verify
from svs.mrz.layout import FRA_ID, LAYOUTS, Layout
from svs.mrz.states import is_known
from svs.schema import MrzFields

_VALID = re.compile(r"^[A-Z0-9<]+$")


@dataclass
class Parsed:
    format: str | None
    lines: list[str]
    fields: MrzFields
    checks: dict[str, bool] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.format is not None and bool(self.checks) and all(self.checks.values())


def detect_format(lines: list[str]) -> str | None:
    lengths = [len(line) for line in lines]
    if lengths == [30, 30, 30]:
        return "TD1"
    if lengths == [36, 36]:
        return "MRVB" if lines[0].startswith("V") else "TD2"
    if lengths == [44, 44]:
        return "MRVA" if lines[0].startswith("V") else "TD3"
    return None


def _clean(text: str) -> str:
    return text.replace("<", " ").strip()


def _names(field_text: str) -> tuple[str, str]:
    surname, _, given = field_text.partition("<<")
    return _clean(surname), " ".join(part for part in given.split("<") if part)


def _date(yymmdd: str, *, kind: str, today: date, warnings: list[str], reasons: list[str]) -> str | None:
    """YYMMDD to ISO; the century from the processing date (birth in the past, expiry within 50 years)."""
    if "<" in yymmdd:
        warnings.append(f"{kind}_date_unknown")
        return None
    if not yymmdd.isdigit():
        reasons.append("mrz.invalid_date")
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if kind == "birth":
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    else:
        year = 2000 + yy if 2000 + yy <= today.year + 50 else 1900 + yy
    try:
        return date(year, mm, dd).isoformat()
    except ValueError:
        reasons.append("mrz.invalid_date")
        return None


def _number_with_overflow(number: str, digit: str, optional: str) -> tuple[str, str, str, bool]:
    """Document number, its check digit and the rest of the optional data (ICAO 9303 p.5 4.2.2 note j).

    When the number is longer than 9 characters the check-digit position holds ``<`` and the number goes on
    in the optional data, ending with its own check digit before the first filler.
    """
    if digit != "<" or not optional or optional[0] == "<":
        return number, digit, optional, False
    end = optional.find("<")
    tail = optional if end < 0 else optional[:end]
    if len(tail) < 2:
        return number, digit, optional, False
    return number + tail[:-1], tail[-1], optional[len(tail) :], True


def parse(raw_lines: list[str], today: date) -> Parsed:
    lines = [line.strip().upper().replace(" ", "") for line in raw_lines]
    fmt = detect_format(lines)
    empty = MrzFields()
    if fmt is None or not all(_VALID.match(line) for line in lines):
        return Parsed(None, lines, empty, reasons=["mrz.not_found"])
    parsed = {"TD1": _td1, "TD2": _td2, "MRVB": _td2, "TD3": _td3, "MRVA": _td3}[fmt](lines, fmt, today)
    if fmt == "TD2" and lines[0].startswith(FRA_ID_PREFIX):
        french = _fra_id(lines, today)
        if french.valid or not parsed.valid:  # ICAO's layout wins only where it alone validates
            return french
    return parsed


#: France's national identity card of 1988 to 2021 prints two 36-character lines that do not follow ICAO's
#: TD2 layout (a known real-world deviation): line 1 ``IDFRA``, surname (25), issuing office (6); line 2 the
#: 12-character card number and its check digit, given names (14), birth date and its check digit, sex, and a
#: check digit over both lines. It has no expiry date in the MRZ. Reported as TD2 with the warning below.
FRA_ID_PREFIX = "IDFRA"
FRA_ID_WARNING = "layout_fra_national_id_1988"


def _verify(p: Parsed, layout: Layout, lines: list[str], number: tuple[str, str] | None = None) -> None:
    """Every check digit of the layout, in its order; *number* is the document number and its check digit where
    a long number runs on into the optional data (:func:`_number_with_overflow`)."""
    for check in layout.checks:
        if check.name == "document_number" and number is not None:
            p.checks[check.name] = verify(*number)
            continue
        covered = "".join(span.text(lines) for span in check.covers)
        p.checks[check.name] = verify(covered, lines[check.digit[0]][check.digit[1]],
                                      empty_may_be_filler=check.name in MAY_BE_EMPTY)


#: Checks over a field that may be left empty (all fillers): an unknown date, no personal number.
MAY_BE_EMPTY = ("birth_date", "expiry_date", "personal_number")


def _dates(p: Parsed, layout: Layout, lines: list[str], today: date) -> tuple[str | None, str | None]:
    birth = _date(layout.text(lines, "birth_date"), kind="birth", today=today, warnings=p.warnings,
                  reasons=p.reasons)
    expiry = _date(layout.text(lines, "expiry_date"), kind="expiry", today=today, warnings=p.warnings,
                   reasons=p.reasons)
    if expiry is not None and expiry < today.isoformat():
        p.reasons.append("mrz.expired")
    return birth, expiry


def _code(layout: Layout, lines: list[str], name: str) -> str | None:
    return layout.text(lines, name).replace("<", "") or None


def _fra_id(lines: list[str], today: date) -> Parsed:
    layout = LAYOUTS[FRA_ID]
    p = Parsed("TD2", lines, MrzFields(), warnings=[FRA_ID_WARNING, "expiry_date_unknown"])
    _verify(p, layout, lines)
    birth = _date(layout.text(lines, "birth_date"), kind="birth", today=today, warnings=p.warnings,
                  reasons=p.reasons)
    given = " ".join(part for part in layout.text(lines, "given_names").split("<") if part)
    sex = layout.text(lines, "sex")
    p.fields = MrzFields(
        document_code=_clean(layout.text(lines, "document_code")), issuing_state="FRA",
        document_number=layout.text(lines, "document_number").replace("<", ""), nationality="FRA",
        birth_date=birth, sex=sex.replace("<", "") or None, expiry_date=None,
        surname=_clean(layout.text(lines, "surname")), given_names=given,
        optional_data=_clean(layout.text(lines, "office")),
    )
    return _finish(p, sex)


def _finish(p: Parsed, sex: str) -> Parsed:
    f = p.fields
    for code in (f.issuing_state, f.nationality):
        if code is not None and not is_known(code):
            p.reasons.append("mrz.unknown_state")
            break
    if sex not in ("M", "F", "<", "X"):
        p.warnings.append("sex_not_m_f_or_filler")
    if not all(p.checks.values()):
        p.reasons.append("mrz.invalid_check_digit")
    p.reasons = list(dict.fromkeys(p.reasons))
    return p


def _td3(lines: list[str], fmt: str, today: date) -> Parsed:
    """TD3 and MRV-A: 44 characters a line."""
    layout = LAYOUTS[fmt]
    surname, given = _names(layout.text(lines, "names"))
    p = Parsed(fmt, lines, MrzFields())
    _verify(p, layout, lines)
    birth, expiry = _dates(p, layout, lines, today)
    sex = layout.text(lines, "sex")
    p.fields = MrzFields(
        document_code=_clean(layout.text(lines, "document_code")),
        issuing_state=_code(layout, lines, "issuing_state"),
        document_number=layout.text(lines, "document_number").replace("<", ""),
        nationality=_code(layout, lines, "nationality"), birth_date=birth, sex=sex.replace("<", "") or None,
        expiry_date=expiry, surname=surname, given_names=given,
        optional_data=_clean(layout.text(lines, "optional_data")),
    )
    return _finish(p, sex)


def _td2(lines: list[str], fmt: str, today: date) -> Parsed:
    """TD2 and MRV-B: 36 characters a line."""
    layout = LAYOUTS[fmt]
    surname, given = _names(layout.text(lines, "names"))
    p = Parsed(fmt, lines, MrzFields())
    number_span = layout.span("document_number")
    number, nd, rest, overflow = _number_with_overflow(
        number_span.text(lines), lines[number_span.line][number_span.end], layout.text(lines, "optional_data"))
    if overflow:
        p.warnings.append("document_number_overflow")
    _verify(p, layout, lines, (number, nd))
    birth, expiry = _dates(p, layout, lines, today)
    sex = layout.text(lines, "sex")
    p.fields = MrzFields(
        document_code=_clean(layout.text(lines, "document_code")),
        issuing_state=_code(layout, lines, "issuing_state"), document_number=number.replace("<", ""),
        nationality=_code(layout, lines, "nationality"), birth_date=birth, sex=sex.replace("<", "") or None,
        expiry_date=expiry, surname=surname, given_names=given, optional_data=_clean(rest),
    )
    return _finish(p, sex)


def _td1(lines: list[str], fmt: str, today: date) -> Parsed:
    layout = LAYOUTS[fmt]
    surname, given = _names(layout.text(lines, "names"))
    p = Parsed(fmt, lines, MrzFields())
    number_span = layout.span("document_number")
    number, nd, rest, overflow = _number_with_overflow(
        number_span.text(lines), lines[number_span.line][number_span.end], layout.text(lines, "optional_data"))
    if overflow:
        p.warnings.append("document_number_overflow")
    _verify(p, layout, lines, (number, nd))
    birth, expiry = _dates(p, layout, lines, today)
    optional = " ".join(part for part in (_clean(rest), _clean(layout.text(lines, "optional_data_2"))) if part)
    sex = layout.text(lines, "sex")
    p.fields = MrzFields(
        document_code=_clean(layout.text(lines, "document_code")),
        issuing_state=_code(layout, lines, "issuing_state"), document_number=number.replace("<", ""),
        nationality=_code(layout, lines, "nationality"), birth_date=birth, sex=sex.replace("<", "") or None,
        expiry_date=expiry, surname=surname, given_names=given, optional_data=optional,
    )
    return _finish(p, sex)
