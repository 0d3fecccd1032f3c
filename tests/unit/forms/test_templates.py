"""Any office's form: templates are data (SVS_TEMPLATES_DIR, then the built-in PA1 and HMPO-B), a page is read
as the template it fits, and the ``svs form`` commands print a template, its blank page and what a page holds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from svs.forms.read import read_form
from svs.forms.template import ENV, all_templates, load_template, template_names

HMPO_REF = "HMPO-36-7668029"


def half(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)


def _svs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "svs.cli", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def test_the_built_in_templates_are_pa1_first_and_hmpo_b() -> None:
    assert template_names()[:1] == ["pa1"] and "hmpo-b" in template_names()
    hmpo = load_template("hmpo-b")
    assert hmpo.reference.is_reference(HMPO_REF) and not hmpo.reference.is_reference("PA-2026-000001")
    assert hmpo.anchors.centres != load_template().anchors.centres  # a layout of its own


@pytest.mark.parametrize(("name", "page_no"), [("pa1", 1), ("pa1", 2), ("hmpo-b", 1), ("hmpo-b", 2)])
def test_each_forms_page_is_read_as_its_own_template_and_no_other(gen, name: str, page_no: int) -> None:  # type: ignore[no-untyped-def]
    page = gen.form_page(None, page_no, np.random.default_rng(7), template=name)
    form = read_form(half(page), page)
    assert form is not None and form.template.startswith(load_template(name).name + " ") and form.page == page_no
    other = next(t for t in all_templates() if t.name != load_template(name).name)
    assert read_form(half(page), page, template=other) is None  # its anchors may register; its boxes do not fit


def test_a_filled_hmpo_b_page_goes_through_the_pipeline_with_its_own_reference(gen) -> None:  # type: ignore[no-untyped-def]
    from svs.pipeline import Options, analyse

    values = {"surname": "OKONKWO", "given_names": "ADA", "birth_date": "02 11 1979",
              "old_passport_number": "533401172", "postcode": "LS1 4AP", "telephone": "0113 496 0000"}
    page = gen.form_page(HMPO_REF, 1, np.random.default_rng(8), values, template="hmpo-b")
    a = analyse(gen.jpeg(page), "renewal.jpg", None, None, Options(mrz=False, photo=False))
    assert a.document_type == "application_form" and a.application_id == HMPO_REF
    assert a.form is not None and a.form.template == "HMPO-B 2026.1" and a.form.page == 1
    read = {k: f.value for k, f in a.form.fields.items() if f.status == "read"}
    truth = gen.FIELDS | values  # the fields not given hold the generator's own values
    assert read and all(read[k] == truth[k] for k in read)  # nothing read wrong is reported read
    assert len(read) >= 5


def test_an_offices_own_template_folder_is_used_before_the_built_in_ones(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    own = json.loads(load_template("hmpo-b").model_dump_json())
    own.update(name="DESK-7", version="1")
    own["reference"]["pattern"] = "^D7/[0-9]{5}$"
    (tmp_path / "desk-7.json").write_text(json.dumps(own))
    monkeypatch.setenv(ENV, str(tmp_path))
    assert "desk-7" in template_names() and load_template("desk-7").reference.is_reference("D7/00042")
    assert load_template("pa1").name == "PA1"  # the built-in ones stay


def test_svs_form_template_prints_every_fields_place_in_mm() -> None:
    p = _svs("form", "template", "pa1", "--json")
    assert p.returncode == 0, p.stderr
    t = json.loads(p.stdout)
    assert t["page_mm"] == [210, 297]
    surname = t["pages"]["1"]["fields"][0]
    assert {k: surname[k] for k in ("name", "type", "x", "y", "boxes", "pitch", "box_w", "box_h")} == {
        "name": "surname", "type": "name", "x": 20, "y": 51, "boxes": 26, "pitch": 6.5, "box_w": 6, "box_h": 8}
    assert _svs("form", "template", "no-such-form").returncode == 2


def test_svs_form_blank_prints_a_page_that_svs_form_read_finds_empty(tmp_path: Path) -> None:
    out = tmp_path / "blank.png"
    p = _svs("form", "blank", str(out), "--template", "hmpo-b", "--reference", HMPO_REF, "--dpi", "200")
    assert p.returncode == 0, p.stderr
    from PIL import Image

    with Image.open(out) as img:
        assert round(img.info["dpi"][0]) == 200 and img.size == (round(210 / 25.4 * 200), round(297 / 25.4 * 200))
    r = _svs("form", "read", str(out), "--json")
    assert r.returncode == 0, r.stderr
    line = json.loads(r.stdout)
    assert line["template"] == "HMPO-B 2026.1" and line["page"] == 1
    assert {f["status"] for f in line["fields"].values()} == {"empty"}
    assert set(line) >= {"path", "template", "page", "fields", "ms"}
    assert _svs("form", "blank", str(out), "--reference", HMPO_REF).returncode == 2  # not a PA1 reference
    shutil.copy(out, tmp_path / "copy.png")
    other = json.loads(_svs("form", "read", str(tmp_path / "copy.png"), "--template", "pa1", "--json").stdout)
    assert other["template"] is None and other["fields"] == {}
