"""Reason codes: the single source of truth for every code svs emits.

Each code carries the verdict it leads to on its own and a plain-words explanation for operators.
The codes named in the contract (``docs/contract.md``) must never be renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """The decision for one item, ordered from best to worst by :data:`VERDICT_SEVERITY`."""

    ACCEPTED = "accepted"
    REFER = "refer"
    RESCAN = "rescan"
    REJECTED = "rejected"


#: Higher wins when several reasons apply. A rescan outranks a referral: a person should not
#: examine an image that is about to be replaced.
VERDICT_SEVERITY: dict[Verdict, int] = {
    Verdict.ACCEPTED: 0,
    Verdict.REFER: 1,
    Verdict.RESCAN: 2,
    Verdict.REJECTED: 3,
}


@dataclass(frozen=True)
class Reason:
    code: str
    verdict: Verdict
    text: str


_R = Reason
_ALL: tuple[Reason, ...] = (
    # input: the file itself is unusable
    _R("input.unreadable", Verdict.REJECTED, "The file is corrupt or truncated and cannot be decoded."),
    _R("input.unsupported", Verdict.REJECTED, "The file is not a JPEG, PNG, TIFF or PDF."),
    _R("input.too_large", Verdict.REJECTED, "The file or its decoded image exceeds the configured size limit."),
    _R("input.empty", Verdict.REJECTED, "The file is empty."),
    # page quality: scan the paper again
    _R("page.low_resolution", Verdict.RESCAN, "Scanned below 200 dpi: rescan at 300 dpi."),
    _R("page.blurred", Verdict.RESCAN, "The scan is out of focus or smeared."),
    _R("page.too_dark", Verdict.RESCAN, "The scan is too dark."),
    _R("page.overexposed", Verdict.RESCAN, "The scan is too bright: detail is washed out."),
    _R("page.low_contrast", Verdict.RESCAN, "The scan has too little contrast between ink and paper."),
    _R("page.skewed", Verdict.RESCAN, "The page lies crooked on the scanner (more than 2 degrees)."),
    _R("page.blank", Verdict.RESCAN, "The page is blank: wrong side scanned or an empty sheet."),
    _R("page.cropped", Verdict.RESCAN, "Content runs off the edge of the scan: part of the page is cut off."),
    # passport photo
    _R("photo.no_face", Verdict.REFER, "No face was found in the photo."),
    _R("photo.multiple_faces", Verdict.REFER, "More than one face is in the photo."),
    _R("photo.low_resolution", Verdict.RESCAN, "The photo has too few pixels for its size."),
    _R("photo.wrong_aspect_ratio", Verdict.REFER, "The photo is not 35 by 45 mm in proportion."),
    _R("photo.head_too_small", Verdict.REFER, "The head is too small in the photo."),
    _R("photo.head_too_large", Verdict.REFER, "The head is too large in the photo."),
    _R("photo.head_off_centre", Verdict.REFER, "The head is not centred in the photo."),
    _R("photo.head_tilted", Verdict.REFER, "The head is tilted."),
    _R("photo.not_facing_forward", Verdict.REFER, "The person is not looking straight at the camera."),
    _R("photo.background_not_plain", Verdict.REFER, "The background is not plain and light."),
    _R("photo.too_dark", Verdict.REFER, "The face is too dark."),
    _R("photo.too_bright", Verdict.REFER, "The face is too bright."),
    _R("photo.uneven_lighting", Verdict.REFER, "The face is unevenly lit or shadowed."),
    _R("photo.blurred", Verdict.RESCAN, "The photo is not sharp."),
    _R("photo.not_colour", Verdict.REFER, "The photo is not in colour."),
    _R("photo.shadow_behind_head", Verdict.REFER, "The head casts a shadow on the background."),
    _R("photo.head_cut_off", Verdict.REFER, "The top of the head is cut off by the edge of the photo."),
    _R("photo.photos_differ", Verdict.REFER, "The two photos on the sheet are not the same photo."),
    # machine readable zone
    _R("mrz.not_found", Verdict.REFER, "No machine readable zone was found on the document."),
    _R("mrz.invalid_check_digit", Verdict.REFER, "A check digit of the machine readable zone does not match."),
    _R("mrz.invalid_date", Verdict.REFER, "A date in the machine readable zone is not a valid date."),
    _R("mrz.unknown_state", Verdict.REFER, "The issuing state or nationality is not an ICAO code."),
    _R("mrz.expired", Verdict.REFER, "The document has expired."),
    _R("mrz.uncertain_field", Verdict.REFER, "A field of the machine readable zone that no check digit covers "
       "(names, state codes, document code, sex) was read without confidence: compare it with the document."),
    _R("mrz.cut_off", Verdict.RESCAN, "The machine readable zone runs past the edge of the image: check digits "
       "over the glyphs cut off cannot be verified."),
    # forms and batch structure
    _R("form.reference_missing", Verdict.REFER, "The application reference barcode is missing or unreadable."),
    _R("form.field_unreadable", Verdict.REFER, "A form field could not be read with confidence."),
    _R("form.mismatch_surname", Verdict.REFER, "The surname on the form differs from the passport."),
    _R("form.mismatch_birth_date", Verdict.REFER, "The date of birth on the form differs from the passport."),
    _R("form.mismatch_document_number", Verdict.REFER, "The passport number on the form differs."),
    _R("batch.id_conflict", Verdict.REJECTED, "The batch id is already used by a batch of other files: the batch "
       "was refused and nothing of it stored. Give it a new id."),
    _R("batch.empty", Verdict.REJECTED, "The batch folder holds no file to process: nothing was stored. Check the "
       "folder, or wait until the scanner has written its files."),
    _R("batch.rescan_unknown_item", Verdict.REJECTED, "A rescan names an earlier item that has no result in a "
       "finished batch: the batch was refused and nothing of it stored. Check the item named in rescan_of."),
    _R("batch.rescan_already_superseded", Verdict.REJECTED, "A rescan names an earlier item that another rescan "
       "already replaced: the batch was refused and nothing of it stored. Name the latest scan instead."),
    _R("batch.backlog_full", Verdict.REJECTED, "The lane the batch would join already holds as many waiting items "
       "as it may (SVS_BACKLOG_LIMIT): the batch was refused and nothing of it stored. Submit it later."),
    _R("batch.duplicate_item", Verdict.REFER, "The same file was already submitted."),
    _R("batch.unreadable_marker", Verdict.RESCAN,
       "This looks like a separator or reference sheet but its barcode could not be read: rescan it."),
    _R("batch.application_unknown", Verdict.REFER,
       "Which application this page belongs to is not known: an unreadable sheet came before it."),
    # processing: the worker could not finish this stage, the file may be fine
    _R("stage.failed", Verdict.REFER, "A check could not be completed; a person must look at this item."),
    _R("stage.timeout", Verdict.REFER, "A check took too long and was stopped; a person must look at this item."),
)

REASONS: dict[str, Reason] = {r.code: r for r in _ALL}


def reason(code: str) -> Reason:
    """Return the :class:`Reason` for *code*; unknown codes are a programming error."""
    try:
        return REASONS[code]
    except KeyError:
        raise KeyError(f"unknown reason code {code!r}") from None


def words(code: str) -> str:
    """A reason code's explanation for operators; the code itself where it is not registered."""
    reason = REASONS.get(code)
    return reason.text if reason else code


def verdict_for(codes: list[str]) -> Verdict:
    """The verdict for a set of reason codes: the most severe one, ``accepted`` when there are none."""
    verdict = Verdict.ACCEPTED
    for code in codes:
        candidate = reason(code).verdict
        if VERDICT_SEVERITY[candidate] > VERDICT_SEVERITY[verdict]:
            verdict = candidate
    return verdict
