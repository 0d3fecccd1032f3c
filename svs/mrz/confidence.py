"""How sure the reader is of each MRZ field, and which fields nothing but that certainty vouches for."""

from __future__ import annotations

from svs.mrz.layout import LAYOUTS

#: Below this probability for its least certain character, a field no check digit covers (names, codes, sex, a
#: visa's optional data) is flagged for a person to compare: the warning ``names_low_confidence`` or
#: ``low_confidence:<field>`` says which, and the reason ``mrz.uncertain_field`` (verdict refer) sends the item
#: to a person, so that no reading that nothing verified is accepted on its own.
LOW_CONFIDENCE = 0.6
#: Fields no check digit covers, besides the names.
UNCHECKED = ("document_code", "issuing_state", "nationality", "sex", "optional_data")


def field_confidence(fmt: str, conf: list[list[float]]) -> dict[str, float]:
    """The lowest character probability in each field (its own check digit included), as laid out in
    :mod:`svs.mrz.layout`."""
    if not conf:
        return {}
    return {name: round(min(conf[s.line][i] for i in range(s.start, s.end)), 4)
            for name, s in LAYOUTS[fmt].confidence_spans().items()}


def uncertain(confidence: dict[str, float]) -> list[str]:
    """The fields of *confidence* (:func:`field_confidence`) that no check digit covers and that were read below
    LOW_CONFIDENCE, names first."""
    return [name for name in ("names", *UNCHECKED) if confidence.get(name, 1.0) < LOW_CONFIDENCE]
