"""The stage chain: adding a stage is one unit and one entry; a stage's failure is recorded, never lost."""

from __future__ import annotations

from dataclasses import replace

import pytest

from svs.pipeline import CHAIN, Options, Stage, analyse
from svs.pipeline.context import ItemContext

NO_ENGINES = Options(mrz=False, photo=False, forms=False, barcodes=False)


def _with(stage: Stage) -> tuple[Stage, ...]:
    """The chain with *stage* before the decision."""
    at = next(i for i, s in enumerate(CHAIN) if s.name == "decide")
    return (*CHAIN[:at], stage, *CHAIN[at:])


def test_a_stage_added_to_the_chain_runs_and_its_reason_decides_the_verdict(form_jpeg: bytes) -> None:
    stamp = Stage("stamp", lambda c: c.document_type == "supporting_document",
                  lambda c: replace(c, reasons=(*c.reasons, "mrz.uncertain_field")))
    plain = analyse(form_jpeg, "form.jpg", None, None, NO_ENGINES)
    added = analyse(form_jpeg, "form.jpg", None, None, NO_ENGINES, chain=_with(stamp))
    assert "mrz.uncertain_field" not in plain.reasons and added.reasons[-1] == "mrz.uncertain_field"
    assert "stamp" in added.timings and "stamp" not in plain.timings


def test_a_stage_that_does_not_apply_is_not_run(form_jpeg: bytes) -> None:
    def never(c: ItemContext) -> ItemContext:
        raise AssertionError("ran")

    out = analyse(form_jpeg, "form.jpg", None, None, NO_ENGINES, chain=_with(Stage("never", lambda c: False, never)))
    assert "never" not in out.timings and "stage.failed" not in out.reasons


def test_an_engine_stage_that_raises_is_recorded_and_the_item_still_gets_every_other_result(
        form_jpeg: bytes) -> None:
    def boom(c: ItemContext) -> ItemContext:
        raise RuntimeError("engine crashed")

    out = analyse(form_jpeg, "form.jpg", None, None, NO_ENGINES, chain=_with(Stage("boom", lambda c: True, boom)))
    assert "stage.failed" in out.reasons and out.quality is not None and out.derived


def test_a_rule_stage_that_raises_is_a_programming_error_not_an_item_reason(form_jpeg: bytes) -> None:
    def broken(c: ItemContext) -> ItemContext:
        raise ValueError("a bug in a rule")

    with pytest.raises(ValueError):
        analyse(form_jpeg, "form.jpg", None, None, NO_ENGINES,
                chain=_with(Stage("rule", lambda c: True, broken, guarded=False, timed=False)))


def test_every_item_leaves_the_chain_with_a_document_type(form_jpeg: bytes) -> None:
    assert analyse(form_jpeg, "form.jpg", None, None, NO_ENGINES).document_type == "supporting_document"
