"""Decode MRZ text from per-character probabilities under ICAO 9303's rules.

Each position allows only its kind of character (ICAO 9303 part 3 and the format's part: digits in dates,
letters in state codes and names; the document code's second character is the issuing state's choice, any
letter, digit or filler). The kind decides between look-alikes wherever it is fixed (an O in a state code,
a 0 in a date), whatever the recogniser preferred. Where a check
digit fails, the decoder looks for the most likely reading that satisfies it, changing only characters whose
alternative the recogniser itself found plausible (O/0, I/1, B/8, S/5, Z/2, G/6 ...). Names carry no check digit
and are never changed. When nothing plausible satisfies a check digit, the printed reading stands and the
document is reported invalid: the decoder never invents.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from svs.mrz.checkdigit import char_value, verify
from svs.mrz.layout import LAYOUTS
from svs.mrz.ocr import ALPHABET
from svs.mrz.states import is_known

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
KINDS = {
    "P": "P",  # ICAO 9303: a passport's document code starts with P
    "V": "V",  # a visa's with V
    "I": "ACI",  # an official travel document's (TD1, TD2) with A, C or I
    "a": LETTERS + "<",  # letters and filler (names, state codes)
    "n": DIGITS + LETTERS + "<",  # alphanumeric
    "d": DIGITS + "<",  # digits; a filler only where a date part is unknown
    "c": DIGITS + "<",  # check digit
    "s": "MFX<",  # sex
}
#: An alternative reading is plausible when the recogniser gave it at least this share of the best's
#: probability. Loose values make any mod-10 check satisfiable by chance: that would be inventing a reading.
PLAUSIBLE = 0.15
#: Two characters of one field are changed together only when both alternatives are this plausible.
PLAUSIBLE_PAIR = 0.4
#: A field is repaired only when every character left as read is at least this probable: a field read badly
#: all over has no trustworthy reading for its check digit to choose.
SURE = 0.5
#: A glyph cut off by the image's edge (an E missing its lower bar reads as a sure F) reports this share of the
#: recogniser's probability as its confidence, and no check digit may choose among readings of its fragments.
CUT_TRUST = 0.3
#: A state code read as three sure digits is kept as printed (see :func:`_numeric_code`) when every digit is
#: this much likelier than the best letter.
KEEP_PRINTED = 0.01


#: Characters whose ICAO values differ by a multiple of 10 weigh the same in every check digit (G and 6, S and 8,
#: C and 2, < and 0 ...): a check digit cannot tell them apart.
TWINS = np.array([[char_value(a) % 10 == char_value(b) % 10 and a != b for b in ALPHABET] for a in ALPHABET])


#: Letters and digits that OCR-B's shapes make look alike (ICAO 9303 part 3 and ISO 1073-2 design them apart,
#: but print, blur and low resolution bring them back together).
LOOKALIKE_PAIRS = (("O", "0"), ("Q", "0"), ("D", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"), ("G", "6"))
LOOKALIKES = np.zeros((len(ALPHABET), len(ALPHABET)), np.float32)
for _a, _b in LOOKALIKE_PAIRS:
    LOOKALIKES[ALPHABET.index(_a), ALPHABET.index(_b)] = LOOKALIKES[ALPHABET.index(_b), ALPHABET.index(_a)] = 1.0


def _numeric_code(probs: list[np.ndarray], chosen: list[list[int]], ln: int, start: int) -> None:
    """A state code printed as three digits (Romania's identity card prints ``132``: a known real-world
    deviation that :mod:`svs.mrz.parse` reports as ``mrz.unknown_state``) is reported as printed when the
    recogniser is sure of every digit, not replaced by unlikely letters. A code mixing letters and a digit
    (``UT0``) is a letter code with a look-alike misread: the kind decides, and it reads ``UTO``."""
    raw = [int(np.argmax(probs[ln][i])) for i in range(start, start + 3)]
    if not all(ALPHABET[c] in DIGITS for c in raw):
        return
    if all(probs[ln][i][chosen[ln][i]] < KEEP_PRINTED * probs[ln][i][c]
           for i, c in zip(range(start, start + 3), raw, strict=True)):
        chosen[ln][start : start + 3] = raw


FILLER = ALPHABET.index("<")
DIGIT_INDEX = [ALPHABET.index(c) for c in DIGITS]


def _lone_filler(chosen: list[list[int]], span: tuple[int, int, int]) -> bool:
    """Whether a part of the date at *span* mixes a filler with a digit (``95<912``), which ICAO 9303 never
    prints (see :func:`_whole_date_parts`)."""
    ln, a, _ = span
    return any((chosen[ln][part] == FILLER) != (chosen[ln][part + 1] == FILLER) for part in (a, a + 2, a + 4))


def _whole_date_parts(masked: list[np.ndarray], chosen: list[list[int]], span: tuple[int, int, int]) -> None:
    """A date's unknown parts are written with fillers whole (ICAO 9303 part 3: ``YYMM<<`` when the day is not
    known), so a filler beside a digit in one part (``95<912``) is a misread digit, the 0 that weighs the same
    in the check digit as a filler: the part's filler becomes its likeliest digit."""
    ln, a, _ = span
    for part in (a, a + 2, a + 4):
        pair = (chosen[ln][part], chosen[ln][part + 1])
        if (pair[0] == FILLER) != (pair[1] == FILLER):
            i = part if pair[0] == FILLER else part + 1
            chosen[ln][i] = DIGIT_INDEX[int(np.argmax(masked[ln][i][DIGIT_INDEX]))]


def _known_code(masked: list[np.ndarray], chosen: list[list[int]], ln: int, start: int) -> None:
    """Where the code read is no ICAO code, take the most likely plausible reading that is one (O/Q/D, I/T ...)."""
    positions = range(start, start + 3)
    read = "".join(ALPHABET[chosen[ln][i]] for i in positions)
    if is_known(read) or read.isdigit():
        return  # known, or printed as digits (_numeric_code)
    options = []
    for i in positions:
        p = masked[ln][i]
        best = p[chosen[ln][i]]
        options.append([int(a) for a in np.argsort(p)[::-1][:3] if p[a] >= PLAUSIBLE * best and p[a] > 1e-4])
    ranked = []
    for combo in itertools.product(*options):
        code = "".join(ALPHABET[c] for c in combo)
        if is_known(code):
            ranked.append((sum(math.log(masked[ln][i][c]) for i, c in zip(positions, combo, strict=True)), combo))
    if ranked:
        for i, c in zip(positions, max(ranked)[1], strict=True):
            chosen[ln][i] = c


def format_for(n_lines: int, length: int, first_char_probs: np.ndarray) -> str | None:
    if (n_lines, length) == (3, 30):
        return "TD1"
    visa = float(first_char_probs[ALPHABET.index("V")]) > 0.5
    if (n_lines, length) == (2, 44):
        return "MRVA" if visa else "TD3"
    if (n_lines, length) == (2, 36):
        return "MRVB" if visa else "TD2"
    return None


@lru_cache(maxsize=8)
def _masks(fmt: str) -> tuple[np.ndarray, ...]:
    """Per line, a (positions, 37) matrix of the characters each position allows."""
    out = []
    for kinds in LAYOUTS[fmt].kinds():
        m = np.zeros((len(kinds), len(ALPHABET)), np.float32)
        for i, k in enumerate(kinds):
            m[i, [ALPHABET.index(c) for c in KINDS[k]]] = 1.0
        out.append(m)
    return tuple(out)


LETTER_INDEX = [ALPHABET.index(c) for c in LETTERS]


@lru_cache(maxsize=8)
def _digits_only(fmt: str) -> tuple[np.ndarray, ...]:
    """Per line, a (positions, 1) column: 1.0 where the format allows no letter (:func:`_masks`)."""
    return tuple((mask[:, LETTER_INDEX].sum(axis=1) == 0).astype(np.float32)[:, None] for mask in _masks(fmt))


@dataclass
class Decoded:
    format: str
    lines: list[str]
    confidence: list[list[float]]  # probability of each chosen character
    corrected: list[str] = field(default_factory=list)  # fields changed to satisfy their check digit
    log_likelihood: float = 0.0
    cut_off: int = 0  # glyphs other than fillers that the image's edge cuts off
    unconfirmed: list[str] = field(default_factory=list)  # fields a plausible twin leaves their check unsure of
    cut_checks: list[str] = field(default_factory=list)  # checks over a glyph the image's edge cuts off
    doubted: list[tuple[int, int]] = field(default_factory=list)  # (line, position) whose shape doubts the read


def decode(probs: list[np.ndarray], fmt: str, cut: list[np.ndarray] | None = None) -> Decoded:
    """The most likely reading of *fmt* from per-line (n, 37) probability matrices; *cut* marks, per line, the
    cells whose glyph the image's edge cuts off (:func:`svs.mrz.ocr.clipped`)."""
    masked: list[np.ndarray] = []
    for p, mask, digits in zip(probs, _masks(fmt), _digits_only(fmt), strict=True):
        # the kind decides between look-alikes: an O read where only digits are allowed is a 0, with the O's
        # probability (not the 0's own remainder, which a filler's may beat: a 0 must not become a <). Only
        # into digits: each letter has one digit look-alike, while a 0 has three letter ones (O, Q, D), and
        # which of them a glyph read as 0 is, only the letters' own probabilities tell
        m = p * mask + ((p * (1.0 - mask)) @ LOOKALIKES) * mask * digits
        m /= np.maximum(m.sum(axis=1, keepdims=True), 1e-12)
        masked.append(m)
    chosen = [list(np.argmax(m, axis=1)) for m in masked]
    for ln, start in LAYOUTS[fmt].state_codes():
        _numeric_code(probs, chosen, ln, start)
    checks = [(c.name, [(sp.line, sp.start, sp.end) for sp in c.covers], c.digit) for c in LAYOUTS[fmt].checks]
    dates = [spans[0] for name, spans, _ in checks if name.endswith("_date")]
    for span in dates:
        _whole_date_parts(masked, chosen, span)
    # a filler's chevron sits mid-cell: no fragment of another glyph reads as one, so a cut filler is still sure
    untrusted = {(ln, int(i)) for ln, row in enumerate(cut or []) for i in np.flatnonzero(row)
                 if chosen[ln][int(i)] != FILLER}
    corrected: list[str] = []
    # a check digit passing over a fragment verifies nothing (an F cut in half reads as a P, whose value differs
    # by 10 and passes the same check): such a check is never repaired, and is reported
    cut_checks: list[str] = []
    for name, spans, (cl, cp) in checks:
        positions = [(ln, i) for ln, a, b in spans for i in range(a, b)] + [(cl, cp)]
        if untrusted.intersection(positions):
            cut_checks.append(name)
            continue
        if _passes(chosen, spans, (cl, cp), name):
            continue
        keep = [c for c in checks if c[0] != name and _passes(chosen, c[1], c[2], c[0])]
        fixed = _repair(masked, chosen, positions, spans, (cl, cp), name, keep, dates)
        if fixed is not None:
            for (ln, i), idx in fixed.items():
                chosen[ln][i] = idx
            corrected.append(name)
    for ln, start in LAYOUTS[fmt].state_codes():
        _known_code(masked, chosen, ln, start)
    lines = ["".join(ALPHABET[i] for i in row) for row in chosen]
    # confidence is the recogniser's own probability, before the position's kind narrowed the choice (a letter
    # forced by the rules, the P of a passport, is only as sure as the pixels made it), plus that of the chosen
    # character's look-alikes of the kind the position does not allow: an O in a state code is not made unsure
    # by the 0 it resembles, since ICAO allows no digit there
    conf = [[float(p[i, c] + p[i] @ (LOOKALIKES[c] * (1.0 - m[i]))) * (CUT_TRUST if (ln, i) in untrusted else 1.0)
             for i, c in enumerate(row)]
            for ln, (p, m, row) in enumerate(zip(probs, _masks(fmt), chosen, strict=True))]
    ll = float(sum(math.log(max(c, 1e-9)) for row in conf for c in row))
    # a field that fails its check is reported invalid already; the composite's fields are reported each
    unconfirmed = [name for name, spans, check in checks if name != "composite"
                   and _passes(chosen, spans, check, name) and _twin_plausible(masked, chosen, spans)]
    return Decoded(fmt, lines, conf, corrected, ll, len(untrusted), unconfirmed, cut_checks)


def _twin_plausible(masked: list[np.ndarray], chosen: list[list[int]], spans: list[tuple[int, int, int]]) -> bool:
    """Whether a character of the field has a plausible reading that weighs the same in its check digit (a G
    read where a 6 is nearly as likely): the check digit passing then confirms nothing about it."""
    for ln, a, b in spans:
        p, c = masked[ln][a:b], np.asarray(chosen[ln][a:b])
        best = p[np.arange(len(c)), c]
        if bool(np.any(TWINS[c] & (p >= PLAUSIBLE * best[:, None]))):
            return True
    return False


def _text(chosen: list[list[int]], spans: list[tuple[int, int, int]]) -> str:
    return "".join(ALPHABET[chosen[ln][i]] for ln, a, b in spans for i in range(a, b))


def _passes(chosen: list[list[int]], spans: list[tuple[int, int, int]], check: tuple[int, int], name: str) -> bool:
    digit = ALPHABET[chosen[check[0]][check[1]]]
    return verify(_text(chosen, spans), digit, empty_may_be_filler=name in ("personal_number", "birth_date",
                                                                                 "expiry_date"))


def _repair(masked: list[np.ndarray], chosen: list[list[int]], positions: list[tuple[int, int]],
            spans: list[tuple[int, int, int]], check: tuple[int, int], name: str,
            keep: list[tuple[str, list[tuple[int, int, int]], tuple[int, int]]], dates: list[tuple[int, int, int]],
            ) -> dict[tuple[int, int], int] | None:
    """The least costly change of one or two plausible characters that satisfies the check digit without
    breaking a check that already passed, nor writing a date part half in fillers (a 0 and a filler weigh the
    same in a check digit, so a misread filler in a date passes it)."""
    unsure = [pos for pos in positions if masked[pos[0]][pos[1]][chosen[pos[0]][pos[1]]] < SURE]
    if len(unsure) > 2:
        return None
    options: list[tuple[float, tuple[int, int], int]] = []
    for ln, i in positions:
        if unsure and (ln, i) not in unsure:
            continue  # the unsure characters are the ones to reconsider
        p = masked[ln][i]
        best = chosen[ln][i]
        for alt in np.argsort(p)[::-1][:3]:
            if int(alt) != best and p[alt] >= PLAUSIBLE * p[best] and p[alt] > 1e-4:
                options.append((math.log(p[best] / p[alt]), (ln, i), int(alt)))
    options.sort()
    options = options[:12]
    found: list[tuple[float, dict[tuple[int, int], int]]] = []
    for r in (1, 2):
        for combo in itertools.combinations(options, r):
            where = [pos for _, pos, _ in combo]
            if len(set(where)) < r:
                continue
            trial = [row[:] for row in chosen]
            for _, (ln, i), alt in combo:
                trial[ln][i] = alt
            if r == 2 and any(c > -math.log(PLAUSIBLE_PAIR) for c, _, _ in combo):
                continue
            if any(_lone_filler(trial, span) for span in dates):
                continue
            if _passes(trial, spans, check, name) and all(_passes(trial, sp, ck, nm) for nm, sp, ck in keep):
                found.append((sum(c for c, _, _ in combo), {pos: alt for _, pos, alt in combo}))
        if found:
            break
    if not found:
        return None
    found.sort(key=lambda f: f[0])
    return found[0][1]
