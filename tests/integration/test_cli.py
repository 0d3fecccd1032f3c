"""The command line as users and scripts call it: JSON lines on stdout, exit codes, the stage commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from svs.schema import ItemResult

SVS = [sys.executable, "-m", "svs.cli"]


def svs(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([*SVS, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_run_json_prints_items_in_order_then_the_summary(sample_batch: Path, tmp_path: Path) -> None:
    p = svs("run", str(sample_batch), "--store", str(tmp_path / "store"), "--json", "--jobs", "2", "--no-mrz")
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    items, summary = lines[:-1], lines[-1]
    assert [i["item_id"] for i in items] == sorted(i["item_id"] for i in items)
    assert len(items) == 10 and summary["kind"] == "batch" and summary["items"] == 10
    for item in items:
        assert item["path"].startswith(str(sample_batch))
        ItemResult.model_validate({k: v for k, v in item.items() if k != "path"})


def test_run_without_json_prints_a_table_and_the_store(sample_batch: Path, tmp_path: Path) -> None:
    p = svs("run", str(sample_batch), "--store", str(tmp_path / "s"), "--jobs", "1", "--no-mrz")
    assert p.returncode == 0, p.stderr
    assert "rescan" in p.stdout and "page.blurred" in p.stdout
    assert str(tmp_path / "s") in p.stderr.replace("\n", "")


def test_run_on_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert svs("run", str(tmp_path / "absent")).returncode == 2


def test_unknown_option_is_a_usage_error() -> None:
    assert svs("quality", "--frobnicate").returncode == 2


def test_invalid_batch_json_fails_clearly(sample_batch: Path, tmp_path: Path) -> None:
    (sample_batch / "batch.json").write_text('{"batch_id": "../../etc"}')
    p = svs("run", str(sample_batch), "--store", str(tmp_path / "s"))
    assert p.returncode == 1 and "batch.json" in p.stderr


def test_quality_json_one_object_per_input_in_order(sample_batch: Path) -> None:
    files = [sample_batch / n for n in ("04-form-blurred.jpg", "01-form-p1.jpg", "09-corrupt.jpg")]
    p = svs("quality", *map(str, files), "--json")
    assert p.returncode == 0, p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o["path"] for o in out] == list(map(str, files))
    assert out[0]["reasons"] == ["page.blurred"] and not out[0]["ok"]
    assert out[1]["ok"] and out[1]["measures"]["dpi"] == 300
    assert out[2]["reasons"] == ["input.unreadable"]
    assert all({"path", "ok", "reasons", "measures", "ms"} <= set(o) for o in out)


def test_quality_of_a_multipage_tiff_lists_every_page(sample_batch: Path) -> None:
    out = json.loads(svs("quality", str(sample_batch / "07-supporting.tif"), "--json").stdout)
    assert [p["page"] for p in out["pages"]] == [1, 2]


def test_photo_json_shape(sample_batch: Path) -> None:
    out = json.loads(svs("photo", str(sample_batch / "06-photo.jpg"), "--json").stdout)
    assert out["compliant"] is True and out["reasons"] == [] and out["measures"]["faces"] == 1
    assert {"path", "compliant", "reasons", "measures", "ms"} <= set(out)


def test_mrz_json_shape(sample_batch: Path) -> None:
    p = svs("mrz", str(sample_batch / "05-passport.jpg"), str(sample_batch / "09-corrupt.jpg"), "--json")
    assert p.returncode == 0
    first, second = (json.loads(x) for x in p.stdout.splitlines())
    for out in (first, second):
        assert {"path", "found", "format", "lines", "valid", "fields", "checks", "warnings", "ms"} <= set(out)
    assert second["found"] is False and second["lines"] == [] and second["reasons"] == ["input.unreadable"]


@pytest.mark.parametrize("command", ["quality", "mrz", "photo"])
def test_stage_commands_never_crash_on_hostile_files(command: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("not an image at all\n")
    p = svs(command, str(bad), str(empty), str(text), "--json")
    assert p.returncode == 0, p.stderr
    codes = [json.loads(x)["reasons"][0] for x in p.stdout.splitlines()]
    assert codes == ["input.unreadable", "input.empty", "input.unsupported"]


def test_exported_json_schema_is_current(tmp_path: Path) -> None:
    from svs.schema import write_json_schemas

    docs = Path(__file__).resolve().parents[2] / "docs" / "schema"
    for path in write_json_schemas(tmp_path):
        assert (docs / path.name).read_text() == path.read_text(), f"run `make schema`: {path.name} is stale"


def test_photo_profile_and_overlay_options(sample_batch: Path, tmp_path: Path) -> None:
    p = svs("photo", str(sample_batch / "06-photo.jpg"), "--json", "--profile", "uk-digital", "--overlay",
            str(tmp_path / "ov"))
    out = json.loads(p.stdout)
    assert out["profile"] == "uk-digital" and "photo.low_resolution" in out["reasons"]
    assert out["failures"][0]["text"] and Path(out["overlay"]).is_file()
    assert svs("photo", str(sample_batch / "06-photo.jpg"), "--profile", "nope").returncode == 2


def test_run_json_with_applications_prints_them_before_the_summary(sample_batch: Path, tmp_path: Path) -> None:
    p = svs("run", str(sample_batch), "--store", str(tmp_path / "store"), "--json", "--applications", "--jobs", "2")
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert [x["kind"] for x in lines[-2:]] == ["application", "batch"]
    application = lines[-2]
    assert application["application_id"] == "PA-2026-004211" and len(application["items"]) == 10
    assert application["checks"] == {"surname": "match", "birth_date": "match", "document_number": "match"}
    assert all(x["application_id"] == "PA-2026-004211" for x in lines[:-2])


def test_a_file_name_that_is_not_utf8_is_processed_and_shown_with_a_replacement_character(
        sample_batch: Path, tmp_path: Path) -> None:
    batch = tmp_path / "legacy"
    batch.mkdir()
    (batch / "05-passport.jpg").write_bytes((sample_batch / "05-passport.jpg").read_bytes())
    os.close(os.open(os.fsencode(batch) + b"/ph\xf6to.jpg", os.O_CREAT | os.O_WRONLY))  # Latin-1 name, empty file
    out = svs("run", str(batch), "--store", str(tmp_path / "store"), "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    names = {x["source"]["name"]: x for x in lines if x["kind"] == "item"}
    assert set(names) == {"05-passport.jpg", "ph\ufffdto.jpg"}
    assert names["ph\ufffdto.jpg"]["reasons"] == ["input.empty"]


def test_a_batch_json_nested_thousands_deep_is_refused_clearly(sample_batch: Path, tmp_path: Path) -> None:
    (sample_batch / "batch.json").write_text("[" * 100_000 + "]" * 100_000)
    out = svs("run", str(sample_batch), "--store", str(tmp_path / "store"), "--json")
    assert out.returncode != 0 and "batch.json is invalid" in out.stderr and "Traceback" not in out.stderr


def test_an_id_with_a_trailing_newline_is_refused() -> None:
    from svs.errors import InvalidId
    from svs.keys import check_id

    assert check_id("desk-7") == "desk-7"
    with pytest.raises(InvalidId):
        check_id("desk-7\n")


def test_a_batch_id_already_used_by_other_files_is_refused_and_nothing_stored(sample_batch: Path,
                                                                               tmp_path: Path) -> None:
    store = tmp_path / "store"
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, name in ((first, "05-passport.jpg"), (second, "06-photo.jpg")):
        folder.mkdir()
        (folder / name).write_bytes((sample_batch / name).read_bytes())
        (folder / "batch.json").write_text(json.dumps({"batch_id": "desk-7-monday"}))
    assert svs("run", str(first), "--store", str(store), "--json").returncode == 0
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    again = svs("run", str(first), "--store", str(store), "--json")
    assert again.returncode == 0, "the same files under the same id: a run again, accepted"
    out = svs("run", str(second), "--store", str(store), "--json")
    assert out.returncode == 1 and "batch.id_conflict" in out.stderr
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before


@pytest.mark.parametrize("command", ["quality", "mrz", "photo"])
def test_a_stage_command_given_a_missing_file_or_a_folder_is_a_usage_error(command: str, tmp_path: Path) -> None:
    missing = svs(command, str(tmp_path / "no-such.jpg"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr and not missing.stdout
    folder = svs(command, str(tmp_path))
    assert folder.returncode == 2 and "is a directory" in folder.stderr


def test_plain_mrz_output_shows_the_lines_the_fields_and_every_check_digit(sample_batch: Path) -> None:
    p = svs("mrz", str(sample_batch / "05-passport.jpg"))
    assert p.returncode == 0, p.stderr
    assert "valid TD3 MRZ" in p.stdout and "P<UTOBLACKWOOD<<ELEANOR<MAY" in p.stdout
    assert "surname BLACKWOOD" in p.stdout and "born 1986-03-14" in p.stdout
    assert "check digits: document number ok, birth date ok, expiry date ok" in p.stdout


def test_plain_quality_output_names_the_failing_measures_and_the_reason_in_words(sample_batch: Path) -> None:
    p = svs("quality", str(sample_batch / "04-form-blurred.jpg"), str(sample_batch / "01-form-p1.jpg"))
    blurred, clean = p.stdout.split("01-form-p1.jpg")
    assert "rescan" in blurred and "sharpness" in blurred and "at least" in blurred
    assert "page.blurred: The scan is out of focus" in blurred
    assert ": ok" in clean and "page." not in clean


def test_plain_photo_output_explains_each_failed_measure(sample_batch: Path) -> None:
    p = svs("photo", str(sample_batch / "01-form-p1.jpg"))
    assert "not compliant" in p.stdout and "photo.no_face: No face was found" in p.stdout


def test_an_empty_batch_is_an_error_and_stores_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden.jpg").write_bytes(b"x")  # hidden files are not items
    p = svs("run", str(tmp_path / "empty"), "--store", str(tmp_path / "store"))
    assert p.returncode == 1 and "batch.empty" in p.stderr
    assert not (tmp_path / "store").exists()


def test_output_to_a_file_or_a_pipe_is_never_cut_at_80_columns(sample_batch: Path, tmp_path: Path) -> None:
    long_name = "scan-" + "x" * 90 + ".jpg"
    (sample_batch / "06-photo.jpg").rename(sample_batch / long_name)
    p = svs("run", str(sample_batch), "--store", str(tmp_path / "s"), "--jobs", "2", "--no-mrz")
    assert p.returncode == 0, p.stderr
    assert long_name in p.stdout  # whole, on one line of the table
    assert any(line.startswith("application PA-2026-004211") and "document_number" in line
               for line in p.stderr.splitlines())  # the summary line is not wrapped


def test_names_from_files_are_printed_literally(tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    name = "[red]odd\x1b[2Jname.jpg"
    (batch / name).write_bytes(b"not an image")
    p = svs("run", str(batch), "--store", str(tmp_path / "s"))
    assert "[red]odd\\x1b[2Jname.jpg" in p.stdout and "\x1b[2J" not in p.stdout


@pytest.mark.parametrize("command", [["results"], ["results", "--dead-letters"], ["replay"]])
@pytest.mark.parametrize("url", ["amqp://guest:secret-pw@127.0.0.1:1/", "redis://:secret-pw@127.0.0.1:1/0"])
def test_a_dead_broker_is_one_clear_line_without_its_credentials(command: list[str], url: str) -> None:
    p = svs(*command, "--broker", url)
    assert p.returncode == 1 and "broker.unreachable" in p.stderr and "127.0.0.1:1" in p.stderr
    assert "Traceback" not in p.stderr and "secret-pw" not in p.stderr and len(p.stderr.splitlines()) <= 2


@pytest.mark.parametrize("url", ["amqp://guest:secret-pw@127.0.0.1:1/", "redis://:secret-pw@127.0.0.1:1/0"])
def test_submitting_to_a_dead_broker_is_one_clear_line_and_stores_nothing(url: str, sample_batch: Path,
                                                                          tmp_path: Path) -> None:
    p = svs("submit", str(sample_batch), "--store", str(tmp_path / "s"), "--broker", url)
    assert p.returncode == 1 and "broker.unreachable" in p.stderr and "secret-pw" not in p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.splitlines()) <= 2
    assert not [f for f in (tmp_path / "s").rglob("*") if f.is_file()]  # refused before anything was stored


def test_a_report_file_is_readable_by_its_owner_only(sample_batch: Path, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old")
    target.chmod(0o644)
    p = svs("run", str(sample_batch), "--store", str(tmp_path / "s"), "--report", str(target), "--no-mrz")
    assert p.returncode == 0, p.stderr
    assert target.stat().st_mode & 0o777 == 0o600 and "sample-0001" in target.read_text()
