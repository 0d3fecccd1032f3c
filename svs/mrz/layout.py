"""Where each field of each MRZ format is printed: the one table the decoder, the parser and the reader use.

ICAO Doc 9303 part 4 (TD3, passports), part 5 (TD1), part 6 (TD2) and part 7 (MRV-A, MRV-B, visas); plus the
French national identity card's own two-line layout, which is not ICAO's TD2 (:data:`FRA_ID`).

Each field has a kind per position, which decides what the decoder may read there (:data:`KINDS` in
:mod:`svs.mrz.decode`): ``P``/``V``/``I`` a document code's first letter, ``a`` letters and filler, ``n``
alphanumeric, ``d`` digits, ``s`` sex, ``c`` a check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The French national identity card's own two-line layout (not ICAO's TD2); the parser reports it as TD2.
FRA_ID = "FRA_ID"


@dataclass(frozen=True)
class Span:
    line: int
    start: int
    end: int  # exclusive

    def text(self, lines: list[str]) -> str:
        return lines[self.line][self.start : self.end]


@dataclass(frozen=True)
class Field:
    name: str
    span: Span
    kinds: str  # one kind for every position, or one per position
    #: Where the field's check digit is printed, if it has one of its own (it then counts in its confidence).
    check_at: int | None = None

    def kind_at(self, i: int) -> str:
        return self.kinds if len(self.kinds) == 1 else self.kinds[i]


@dataclass(frozen=True)
class Check:
    name: str
    covers: tuple[Span, ...]
    digit: tuple[int, int]  # line, position


@dataclass(frozen=True)
class Layout:
    format: str
    length: int
    fields: tuple[Field, ...]
    checks: tuple[Check, ...]

    @property
    def n_lines(self) -> int:
        return 1 + max(f.span.line for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def span(self, name: str) -> Span:
        return self.field(name).span

    def text(self, lines: list[str], name: str) -> str:
        return self.span(name).text(lines)

    def kinds(self) -> list[str]:
        """The kind of every position, line by line."""
        out = [[""] * self.length for _ in range(self.n_lines)]
        for f in self.fields:
            for i, pos in enumerate(range(f.span.start, f.span.end)):
                out[f.span.line][pos] = f.kind_at(i)
        for c in self.checks:
            out[c.digit[0]][c.digit[1]] = "c"
        assert all(all(row) for row in out), f"{self.format}: a position belongs to no field"
        return ["".join(row) for row in out]

    def state_codes(self) -> list[tuple[int, int]]:
        """(line, start) of the issuing state and nationality codes."""
        return [(f.span.line, f.span.start) for f in self.fields if f.name in ("issuing_state", "nationality")]

    def confidence_spans(self) -> dict[str, Span]:
        """Each reported field's positions for its confidence, its own check digit included where it is printed
        right after it. Fields whose text goes to other fields (a TD3's personal number, TD1's optional data)
        are reported under the field they fill (``optional_data``) only where no check digit covers them."""
        out = {}
        for f in self.fields:
            if f.name not in REPORTED or (f.name == "optional_data" and self.covered(f.span)):
                continue
            end = f.check_at + 1 if f.check_at is not None else f.span.end
            out[f.name] = Span(f.span.line, f.span.start, end)
        return out

    def covered(self, span: Span) -> bool:
        return any(c.line == span.line and c.start <= span.start and span.end <= c.end
                   for check in self.checks for c in check.covers)


#: The fields the reader reports a confidence for (``MrzResult.field_confidence``); ``names`` is the surname and
#: given names together, as printed in one field.
REPORTED = ("document_code", "issuing_state", "names", "document_number", "nationality", "birth_date", "sex",
            "expiry_date", "optional_data")


def _two_line(fmt: str, first: str, length: int, optional_check: bool) -> Layout:
    """TD3, MRV-A (44 long), TD2, MRV-B (36): one line of code, state and names; the second of number,
    nationality, dates and sex, then optional data (TD3: a personal number with its own check digit; TD2 and
    TD3: a composite check digit last)."""
    opt_end = length - 1 if optional_check else length
    if fmt == "TD3":
        opt_end = 42
    fields = (
        Field("document_code", Span(0, 0, 2), first + "n"),
        Field("issuing_state", Span(0, 2, 5), "a"),
        Field("names", Span(0, 5, length), "a"),
        Field("document_number", Span(1, 0, 9), "n", check_at=9),
        Field("nationality", Span(1, 10, 13), "a"),
        Field("birth_date", Span(1, 13, 19), "d", check_at=19),
        Field("sex", Span(1, 20, 21), "s"),
        Field("expiry_date", Span(1, 21, 27), "d", check_at=27),
        Field("optional_data", Span(1, 28, opt_end), "n"),
    )
    checks = [Check("document_number", (Span(1, 0, 9),), (1, 9)),
              Check("birth_date", (Span(1, 13, 19),), (1, 19)),
              Check("expiry_date", (Span(1, 21, 27),), (1, 27))]
    if fmt == "TD3":
        checks += [Check("personal_number", (Span(1, 28, 42),), (1, 42)),
                   Check("composite", (Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 43)), (1, 43))]
    if fmt == "TD2":
        checks += [Check("composite", (Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 35)), (1, 35))]
    return Layout(fmt, length, fields, tuple(checks))


_TD1 = Layout("TD1", 30, (
    Field("document_code", Span(0, 0, 2), "In"),
    Field("issuing_state", Span(0, 2, 5), "a"),
    Field("document_number", Span(0, 5, 14), "n", check_at=14),
    Field("optional_data", Span(0, 15, 30), "n"),  # its first characters may end a long document number
    Field("birth_date", Span(1, 0, 6), "d", check_at=6),
    Field("sex", Span(1, 7, 8), "s"),
    Field("expiry_date", Span(1, 8, 14), "d", check_at=14),
    Field("nationality", Span(1, 15, 18), "a"),
    Field("optional_data_2", Span(1, 18, 29), "n"),
    Field("names", Span(2, 0, 30), "a"),
), (
    Check("document_number", (Span(0, 5, 14),), (0, 14)),
    Check("birth_date", (Span(1, 0, 6),), (1, 6)),
    Check("expiry_date", (Span(1, 8, 14),), (1, 14)),
    Check("composite", (Span(0, 5, 30), Span(1, 0, 7), Span(1, 8, 15), Span(1, 18, 29)), (1, 29)),
))

_FRA_ID = Layout(FRA_ID, 36, (
    Field("document_code", Span(0, 0, 2), "In"),
    Field("issuing_state", Span(0, 2, 5), "a"),
    Field("surname", Span(0, 5, 30), "a"),
    Field("office", Span(0, 30, 36), "n"),  # the issuing office's code
    Field("document_number", Span(1, 0, 12), "n", check_at=12),
    Field("given_names", Span(1, 13, 27), "a"),
    Field("birth_date", Span(1, 27, 33), "d", check_at=33),
    Field("sex", Span(1, 34, 35), "s"),
), (
    Check("document_number", (Span(1, 0, 12),), (1, 12)),
    Check("birth_date", (Span(1, 27, 33),), (1, 33)),
    Check("composite", (Span(0, 0, 36), Span(1, 0, 35)), (1, 35)),
))

LAYOUTS: dict[str, Layout] = {
    "TD1": _TD1,
    "TD2": _two_line("TD2", "I", 36, optional_check=True),
    "TD3": _two_line("TD3", "P", 44, optional_check=True),
    "MRVA": _two_line("MRVA", "V", 44, optional_check=False),
    "MRVB": _two_line("MRVB", "V", 36, optional_check=False),
    FRA_ID: _FRA_ID,
}
