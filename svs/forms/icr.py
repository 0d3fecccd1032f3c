"""Reading hand-printed (and typed) boxed fields: one character per box, recognised by svs's own network
(``models/icr-cnn.npz``, trained by ``models/train_icr.py``), then decoded under the field's constraints.

Constraints choose among the network's readings, never invent one: a box's characters are those its field type
allows (a character the type cannot hold lends its probability to the one it is written like: a date's "O" is a
"0", a name's "0" an "O"), and the most likely reading that the field's pattern and type accept (a date must be a
real date) is taken. A reading that needed a character the network thought unlikely keeps that low probability as
its confidence, so the field is unsure and a person keys it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from svs.cnn import CellNet
from svs.mrz.ocr import models_dir

MODEL_FILE = "icr-cnn.npz"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MARKS = "'-,./"
#: A tick mark in a tick box.
TICK = "\u2713"
#: A character crossed out (struck through, scribbled over) or a cross in a tick box.
CROSSED = "\u2717"
CLASSES = DIGITS + LETTERS + MARKS + TICK + CROSSED

#: What each field type may hold in a box (a space is an empty box).
ALLOWED: dict[str, str] = {
    "name": LETTERS + "'-",
    "letters": LETTERS,
    "date": DIGITS,
    "document_number": DIGITS + LETTERS,
    "digits": DIGITS,
    "text": DIGITS + LETTERS + MARKS,
}
#: Characters written alike: where the type cannot hold the first, its probability goes to the second.
LOOKALIKES: dict[str, str] = {"O": "0", "Q": "0", "D": "0", "I": "1", "Z": "2", "S": "5", "G": "6", "B": "8",
                              "0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
#: Readings of a field tried, most likely first, before it is left unread.
MAX_READINGS = 400
#: Characters kept per box when readings are tried.
TOP_K = 3


@lru_cache(maxsize=1)
def recogniser() -> CellNet:
    return CellNet(models_dir() / MODEL_FILE)


def allowed_proba(proba: np.ndarray, kind: str) -> tuple[str, np.ndarray]:
    """The characters *kind* allows and each box's probability of each, with the probability of characters it
    cannot hold given to their lookalikes: (chars, (n, len(chars)))."""
    chars = ALLOWED[kind]
    index = {c: i for i, c in enumerate(CLASSES)}
    out = proba[:, [index[c] for c in chars]].copy()
    for other, like in LOOKALIKES.items():
        if other not in chars and like in chars and len(like) == 1:
            out[:, chars.index(like)] += proba[:, index[other]]
    return chars, out


#: The earliest year a date on an application form may hold (a date of birth of a living applicant, a signature).
EARLIEST_YEAR = 1900


def real_date(value: str, today: dt.date | None = None) -> bool:
    """DD MM YYYY that names a day of the calendar from EARLIEST_YEAR to *today* (no date on a form lies ahead of
    the day it is read: births, signatures)."""
    try:
        day = dt.datetime.strptime(value, "%d %m %Y").date()
    except ValueError:
        return False
    return day.year >= EARLIEST_YEAR and day <= (today or dt.date.today())


@dataclass(frozen=True)
class Decoded:
    value: str
    #: How sure the reading is: the probability of the reading among the readings the field accepts (of those
    #: tried), times the least share of a box's probability that falls on characters the field can hold.
    confidence: float
    choices: int  # readings tried before one was accepted (1: the network's own best)


#: After the best accepted reading, this many more are tried to weigh it against the other accepted ones
#: (fewer where their probability falls under ALTERNATIVE_FLOOR of the best's).
ALTERNATIVES = 64
ALTERNATIVE_FLOOR = 1e-3
#: A box of a free-text word is read as the word's other boxes are (letters or figures) where each of them is
#: at least this sure of its kind: "HARB0UR" is "HARBOUR", "1O" is "10".
WORD_KIND = 0.9


def _word_shape(table: np.ndarray, chars: str, gaps: set[int]) -> np.ndarray:
    """Free text: each box of a word of two or more boxes whose other boxes are all sure letters (or all sure
    figures) holds a letter (a figure): its figures' (letters') probability goes to their lookalikes."""
    letters = np.array([c in LETTERS for c in chars])
    digits = np.array([c in DIGITS for c in chars])
    mass = table.sum(axis=1) + 1e-12
    kind = np.where(table[:, letters].sum(axis=1) / mass >= WORD_KIND, 1,
                    np.where(table[:, digits].sum(axis=1) / mass >= WORD_KIND, 2, 0))
    out = table.copy()
    starts = [0, *sorted(gaps), len(table)]
    for a, b in itertools.pairwise(starts):
        if b - a < 2:
            continue
        for k in range(a, b):
            others = {int(v) for j, v in enumerate(kind[a:b], a) if j != k}
            if others not in ({1}, {2}):
                continue
            keep, drop = (letters, digits) if others == {1} else (digits, letters)
            for i in np.flatnonzero(drop):
                like = LOOKALIKES.get(chars[i])
                if like is not None and like in chars and keep[chars.index(like)]:
                    out[k, chars.index(like)] += out[k, i]
                out[k, i] = 0.0
    return out


def decode(slots: list[np.ndarray | None], kind: str, accept: Callable[[str], bool]) -> Decoded | None:
    """The most likely reading of a field whose boxes are *slots* (each box's class probabilities, None for an
    empty box, in box order) that *accept* takes; None where none of the MAX_READINGS most likely is accepted.

    Empty boxes inside the value are spaces (one per run), leading and trailing ones are dropped. Free text is
    read with its words' shapes first (:func:`_word_shape`), then without them where that finds nothing the
    field accepts (a postcode's "1LK").
    """
    filled = [i for i, s in enumerate(slots) if s is not None]
    if not filled:
        return None
    chars, table = allowed_proba(np.stack([slots[i] for i in filled]), kind)  # type: ignore[misc]
    gaps = {k for k in range(1, len(filled)) if filled[k] - filled[k - 1] > 1}
    if kind == "text":
        shaped = _best(chars, _word_shape(table, chars, gaps), gaps, accept)
        if shaped is not None:
            return shaped
    return _best(chars, table, gaps, accept)


def _best(chars: str, table: np.ndarray, gaps: set[int], accept: Callable[[str], bool]) -> Decoded | None:
    """:func:`decode` over one table of the filled boxes' probabilities of *chars*."""
    filled = range(len(table))
    mass = float(np.clip(table.sum(axis=1), 0.0, 1.0).min())
    top = np.argsort(-table, axis=1)[:, :TOP_K]
    logp = np.log(np.maximum(np.take_along_axis(table, top, axis=1), 1e-12))

    steps, depth = logp.tolist(), top.shape[1]
    # each box's choices as strings, a space before the boxes that follow a gap
    choices = [[(" " if k in gaps else "") + chars[i] for i in row] for k, row in enumerate(top.tolist())]

    def text(ranks: tuple[int, ...]) -> str:
        return "".join([choices[k][r] for k, r in enumerate(ranks)])

    # best first: a reading's successors raise the rank of one box at or after the last box raised, so each
    # reading is met once, and in order of probability (each box's choices are sorted)
    heap = [(-float(logp[:, 0].sum()), (0,) * len(filled), 0)]
    seen: list[tuple[float, str, bool]] = []  # log probability, value, accepted
    best: int | None = None  # its index in seen
    while heap and len(seen) < MAX_READINGS:
        neg, ranks, last = heapq.heappop(heap)
        if best is not None and (len(seen) - best > ALTERNATIVES
                                 or -neg - seen[best][0] < math.log(ALTERNATIVE_FLOOR)):
            break
        value = text(ranks)
        ok = accept(value)
        seen.append((-neg, value, ok))
        if ok and best is None:
            best = len(seen) - 1
        for k in range(last, len(ranks)):
            r = ranks[k]
            if r + 1 < depth:
                nxt = (*ranks[:k], r + 1, *ranks[k + 1 :])
                heapq.heappush(heap, (neg + (steps[k][r] - steps[k][r + 1]), nxt, k))
    if best is None:
        return None
    return Decoded(seen[best][1], mass * _weigh(seen, best), best + 1)


#: Each character's lookalike class: readings equal under it are the same writing read two ways.
_SHAPE = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "Z": "2", "S": "5", "G": "6", "B": "8"})


def same_writing(a: str, b: str) -> bool:
    """Two readings that differ only by lookalikes (O and 0, I and 1, S and 5, ...)."""
    return a.translate(_SHAPE) == b.translate(_SHAPE)


def _weigh(seen: list[tuple[float, str, bool]], best: int) -> float:
    """How sure the accepted reading *seen[best]* is, of the readings tried: the probability that the writing is
    its writing (readings that differ from it only by lookalikes are the same writing; any other reading,
    accepted or not, is another), times its probability among the accepted readings of that writing (a name's
    "O" against its "0" where the field holds both)."""
    top = seen[0][0]
    shape = seen[best][1].translate(_SHAPE)
    total = same = same_accepted = 0.0
    for logp, value, ok in seen:
        p = math.exp(logp - top)
        total += p
        if value.translate(_SHAPE) == shape:
            same += p
            same_accepted += p if ok else 0.0
    return (same / total) * (math.exp(seen[best][0] - top) / same_accepted)
