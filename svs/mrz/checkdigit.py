"""ICAO 9303 part 3 check digits: weights 7, 3, 1 over character values (0-9, A=10 .. Z=35, '<'=0)."""

from __future__ import annotations

_WEIGHTS = (7, 3, 1)


def char_value(ch: str) -> int:
    if ch.isdigit():
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    if ch == "<":
        return 0
    raise ValueError("not an MRZ character")


def check_digit(field: str) -> str:
    """The check digit of *field* as a character."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def verify(field: str, digit: str, *, empty_may_be_filler: bool = False) -> bool:
    """True when *digit* checks *field*. A check digit is a digit (ICAO 9303 part 3, 4.9); a filler stands in
    for it only over a field that may be empty and is (a TD3's personal number, an unknown date: part 4), where
    a 0 does too. A filler over a field with characters checks nothing: it would pass every field whose check
    digit is 0, and an MRV-A's optional data read as a passport's personal number and composite would pass one
    time in ten each."""
    if empty_may_be_filler and set(field) <= {"<"} and digit in ("<", "0"):
        return True
    if not digit.isdigit():
        return False
    try:
        return check_digit(field) == digit
    except ValueError:
        return False
