import re
from pathlib import Path

import pytest

from svs.reasons import REASONS, Verdict, verdict_for

CONTRACT = Path(__file__).resolve().parents[3] / "shared" / "CONTRACT.md"
OWN_CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"

CONTRACT_CODES = """input.unreadable input.unsupported input.too_large input.empty page.low_resolution page.blurred
page.too_dark page.overexposed page.low_contrast page.skewed page.blank page.cropped photo.no_face
photo.multiple_faces photo.low_resolution photo.wrong_aspect_ratio photo.head_too_small photo.head_too_large
photo.head_off_centre photo.head_tilted photo.not_facing_forward photo.background_not_plain photo.too_dark
photo.too_bright photo.uneven_lighting photo.blurred photo.not_colour mrz.not_found mrz.invalid_check_digit
mrz.invalid_date mrz.unknown_state mrz.expired form.reference_missing form.field_unreadable form.mismatch_surname
form.mismatch_birth_date form.mismatch_document_number batch.duplicate_item""".split()


def test_every_contract_reason_code_exists() -> None:
    assert set(CONTRACT_CODES) <= set(REASONS)


def test_contract_file_names_no_code_we_lack() -> None:
    if not CONTRACT.is_file():
        pytest.skip("../shared/CONTRACT.md is not present")
    codes = set(re.findall(r"`((?:input|page|photo|mrz|form|batch)\.[a-z_]+)`", CONTRACT.read_text()))
    codes.discard("batch.json")  # a file name, not a code
    codes.discard("batch.json")  # a file name, not a code
    assert codes and codes <= set(REASONS)


def test_the_projects_own_contract_names_only_codes_svs_emits_and_every_contract_code() -> None:
    text = OWN_CONTRACT.read_text()
    codes = set(re.findall(r"`((?:input|page|photo|mrz|form|batch)\.[a-z_]+)`", text)) - {"batch.json"}
    assert codes <= set(REASONS)
    assert set(CONTRACT_CODES) <= codes
    assert {"batch.rescan_unknown_item", "batch.rescan_already_superseded"} <= codes


def test_input_codes_reject_and_page_codes_ask_for_a_rescan() -> None:
    assert all(REASONS[c].verdict is Verdict.REJECTED for c in CONTRACT_CODES if c.startswith("input."))
    assert all(REASONS[c].verdict is Verdict.RESCAN for c in CONTRACT_CODES if c.startswith("page."))
    assert all(REASONS[c].verdict is Verdict.REFER for c in CONTRACT_CODES if c.startswith(("mrz.", "form.")))


def test_verdict_is_the_most_severe_reason() -> None:
    assert verdict_for([]) is Verdict.ACCEPTED
    assert verdict_for(["mrz.expired"]) is Verdict.REFER
    assert verdict_for(["mrz.expired", "page.blurred"]) is Verdict.RESCAN
    assert verdict_for(["page.blurred", "input.unreadable"]) is Verdict.REJECTED


def test_unknown_reason_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        verdict_for(["page.wobbly"])


#: A string in svs's source that is a reason code: a family prefix, a dot, a lower-case name.
_CODE = re.compile(r"""["']((?:input|page|photo|mrz|form|batch|stage)\.[a-z][a-z_]*)["']""")
#: Strings of that shape that are not item reasons: a file name; an error class (BatchError.code: a batch folder
#: svs cannot read at all is refused as a whole, never reported as one item's reason).
NOT_CODES = {"batch.json", "batch.invalid", "batch.empty"}


def _codes_in_source() -> dict[str, str]:
    root = Path(__file__).resolve().parents[2] / "svs"
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        for code in _CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, str(path.relative_to(root.parent)))
    return {c: p for c, p in found.items() if c not in NOT_CODES}


def test_every_reason_code_a_stage_can_emit_is_registered_with_a_verdict_and_words() -> None:
    found = _codes_in_source()
    assert len(found) > 40  # the scan finds the codes the stages write (a broken pattern would find none)
    unregistered = {c: p for c, p in found.items() if c not in REASONS}
    assert unregistered == {}, "register these in svs/reasons.py"
    assert all(REASONS[c].text.strip() and isinstance(REASONS[c].verdict, Verdict) for c in found)
