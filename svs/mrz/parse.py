"""Parse and validate MRZ text by ICAO Doc 9303 (TD1, TD2, TD3, MRV-A, MRV-B).

Pure: text lines in, fields, checks and reason codes out. Nothing here guesses at characters; it reports what
is printed and whether every check digit agrees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from svs.mrz.checkdigit import verify
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


def _fra_id(lines: list[str], today: date) -> Parsed:
    l1, l2 = lines
    p = Parsed("TD2", lines, MrzFields(), warnings=[FRA_ID_WARNING, "expiry_date_unknown"])
    number = l2[0:12]
    p.checks["document_number"] = verify(number, l2[12])
    p.checks["birth_date"] = verify(l2[27:33], l2[33], empty_may_be_filler=True)
    p.checks["composite"] = verify(l1 + l2[0:35], l2[35])
    birth = _date(l2[27:33], kind="birth", today=today, warnings=p.warnings, reasons=p.reasons)
    given = " ".join(part for part in l2[13:27].split("<") if part)
    p.fields = MrzFields(
        document_code=_clean(l1[0:2]), issuing_state="FRA", document_number=number.replace("<", ""),
        nationality="FRA", birth_date=birth, sex=l2[34].replace("<", "") or None, expiry_date=None,
        surname=_clean(l1[5:30]), given_names=given, optional_data=_clean(l1[30:36]),
    )
    return _finish(p, l2[34])


def _common_checks(
    p: Parsed, number: str, nd: str, dob: str, dd: str, exp: str, ed: str, today: date
) -> tuple[str | None, str | None]:
    p.checks["document_number"] = verify(number, nd)
    p.checks["birth_date"] = verify(dob, dd, empty_may_be_filler=True)
    p.checks["expiry_date"] = verify(exp, ed, empty_may_be_filler=True)
    birth = _date(dob, kind="birth", today=today, warnings=p.warnings, reasons=p.reasons)
    expiry = _date(exp, kind="expiry", today=today, warnings=p.warnings, reasons=p.reasons)
    if expiry is not None and expiry < today.isoformat():
        p.reasons.append("mrz.expired")
    return birth, expiry


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
    l1, l2 = lines
    surname, given = _names(l1[5:44])
    p = Parsed(fmt, lines, MrzFields())
    number, nd = l2[0:9], l2[9]
    birth, expiry = _common_checks(p, number, nd, l2[13:19], l2[19], l2[21:27], l2[27], today)
    optional = l2[28:42] if fmt == "TD3" else l2[28:44]
    if fmt == "TD3":
        p.checks["personal_number"] = verify(l2[28:42], l2[42], empty_may_be_filler=True)
        p.checks["composite"] = verify(l2[0:10] + l2[13:20] + l2[21:43], l2[43])
    p.fields = MrzFields(
        document_code=_clean(l1[0:2]), issuing_state=l1[2:5].replace("<", "") or None,
        document_number=number.replace("<", ""), nationality=l2[10:13].replace("<", "") or None,
        birth_date=birth, sex=l2[20].replace("<", "") or None, expiry_date=expiry,
        surname=surname, given_names=given, optional_data=_clean(optional),
    )
    return _finish(p, l2[20])


def _td2(lines: list[str], fmt: str, today: date) -> Parsed:
    l1, l2 = lines
    surname, given = _names(l1[5:36])
    p = Parsed(fmt, lines, MrzFields())
    optional = l2[28:35] if fmt == "TD2" else l2[28:36]
    number, nd, rest, overflow = _number_with_overflow(l2[0:9], l2[9], optional)
    if overflow:
        p.warnings.append("document_number_overflow")
    birth, expiry = _common_checks(p, number, nd, l2[13:19], l2[19], l2[21:27], l2[27], today)
    if fmt == "TD2":
        p.checks["composite"] = verify(l2[0:10] + l2[13:20] + l2[21:35], l2[35])
    p.fields = MrzFields(
        document_code=_clean(l1[0:2]), issuing_state=l1[2:5].replace("<", "") or None,
        document_number=number.replace("<", ""), nationality=l2[10:13].replace("<", "") or None,
        birth_date=birth, sex=l2[20].replace("<", "") or None, expiry_date=expiry,
        surname=surname, given_names=given, optional_data=_clean(rest),
    )
    return _finish(p, l2[20])


def _td1(lines: list[str], fmt: str, today: date) -> Parsed:
    l1, l2, l3 = lines
    surname, given = _names(l3)
    p = Parsed(fmt, lines, MrzFields())
    number, nd, rest, overflow = _number_with_overflow(l1[5:14], l1[14], l1[15:30])
    if overflow:
        p.warnings.append("document_number_overflow")
    birth, expiry = _common_checks(p, number, nd, l2[0:6], l2[6], l2[8:14], l2[14], today)
    p.checks["composite"] = verify(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29])
    optional = " ".join(part for part in (_clean(rest), _clean(l2[18:29])) if part)
    p.fields = MrzFields(
        document_code=_clean(l1[0:2]), issuing_state=l1[2:5].replace("<", "") or None,
        document_number=number.replace("<", ""), nationality=l2[15:18].replace("<", "") or None,
        birth_date=birth, sex=l2[7].replace("<", "") or None, expiry_date=expiry,
        surname=surname, given_names=given, optional_data=optional,
    )
    return _finish(p, l2[7])
