"""The result schema: versioned pydantic models for everything svs publishes.

Downstream systems consume these as JSON. Adding a field is a minor version bump; renaming or removing one is
a major one. ``svs schema`` (and ``docs/schema/``) export them as JSON Schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.7.0"

DocumentType = Literal["passport_photo", "mrz_document", "application_form", "supporting_document", "unknown"]
VerdictName = Literal["accepted", "rescan", "refer", "rejected"]
#: A batch's lane: urgent items (fast-track, one-day) are taken before normal ones by every worker.
Priority = Literal["urgent", "normal"]
PRIORITY_HELP = "the batch's lane: 'urgent' items are taken before 'normal' ones (batch.json priority, svs submit " \
                "--priority)"
MrzFormat = Literal["TD1", "TD2", "TD3", "MRVA", "MRVB"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    name: str = Field(description="File name inside the batch folder.")
    sha256: str = Field(description="SHA-256 of the original file's bytes, hex.")
    bytes: int
    content_type: str = Field(description="From the file's magic bytes, not its extension.")
    page: int | None = Field(description="1-based page of a multi-page TIFF or PDF; null for single images.")
    dpi: float | None = Field(default=None, description="Resolution from the file's metadata where present.")
    width: int | None = None
    height: int | None = None


class NotMeasured(_Model):
    """An empty object: the stage did not run on this item (its file could not be read)."""


class QualityResult(_Model):
    ok: bool
    applied: bool = Field(default=True, description="False where page rules do not judge this item (a photo)")
    reasons: list[str]
    measures: dict[str, float | None]
    thresholds: dict[str, float] = Field(default_factory=dict)


class MrzFields(_Model):
    document_code: str | None = None
    issuing_state: str | None = None
    document_number: str | None = None
    nationality: str | None = None
    birth_date: str | None = Field(default=None, description="YYYY-MM-DD or null")
    sex: str | None = None
    expiry_date: str | None = Field(default=None, description="YYYY-MM-DD or null")
    surname: str | None = None
    given_names: str | None = None
    optional_data: str | None = None


class MrzResult(_Model):
    found: bool
    format: MrzFormat | None
    lines: list[str]
    valid: bool
    fields: MrzFields
    checks: dict[str, bool]
    warnings: list[str]
    reasons: list[str] = Field(default_factory=list)
    field_confidence: dict[str, float] = Field(default_factory=dict,
                                               description="lowest character probability in each field, 0-1")
    corrected: list[str] = Field(default_factory=list,
                                 description="fields whose reading was chosen by their check digit")
    others: list[list[str]] = Field(default_factory=list, description="further MRZs found on the image")
    engine: str = ""
    ms: float = 0.0


class Face(_Model):
    box: tuple[int, int, int, int] = Field(description="x, y, width, height in pixels")
    confidence: float
    landmarks: dict[str, tuple[float, float]]


class PhotoFailure(_Model):
    reason: str = Field(description="reason code")
    measure: str = Field(description="the measure that failed, a key of measures")
    value: float
    limit: float
    text: str = Field(description="what is wrong, in words for the operator")
    rule: str = Field(description="the rule the limit comes from")


class SheetPhoto(_Model):
    box: tuple[int, int, int, int] = Field(description="x, y, width, height of the print on the page, pixels")
    compliant: bool
    reasons: list[str]
    measures: dict[str, float | None]
    failures: list[PhotoFailure] = Field(default_factory=list)


class PhotoResult(_Model):
    compliant: bool
    reasons: list[str]
    measures: dict[str, float | None]
    faces: list[Face]
    failures: list[PhotoFailure] = Field(default_factory=list, description="each failing measure, explained")
    profile: str = Field(default="", description="the photo profile judged against (uk-printed, uk-digital, icao)")
    photos: list[SheetPhoto] = Field(
        default_factory=list, description="printed photos found on a scanned sheet, each judged on its own")
    ms: float = 0.0


class FormField(_Model):
    value: str | None = Field(description="what is written in the field's boxes, one character a box, an empty box "
                                          "inside it a space (a tick box: ticked, crossed, filled, empty or unsure); "
                                          "null where nothing was read")
    confidence: float = Field(description="0..1: the recogniser's least probability of a character of the value "
                                          "(0 where a box holds a faint mark; at most 0.5 where a box is crossed "
                                          "out)")
    valid: bool = Field(description="the value fits the field's pattern in the template")
    empty: bool = False
    status: Literal["read", "empty", "unsure", "invalid"] = Field(
        default="read", description="read: confident and valid; empty: nothing written; unsure: below the "
                                    "confidence a person need not check (or a faint mark); invalid: does not fit the "
                                    "field's pattern")
    crossed_out: list[int] = Field(default_factory=list, description="boxes (0-based) whose character the writer "
                                                                     "crossed out; left out of the value")
    reader: Literal["icr", "icr+tesseract", "tesseract"] = Field(
        default="icr", description="who read the value: svs's boxed-character recogniser; the recogniser, unsure, "
                                   "confirmed by Tesseract reading the same boxes the same way; or Tesseract alone "
                                   "(svs form read --reader tesseract)")


class FormResult(_Model):
    template: str = Field(description="the form template, name and version (models/templates)")
    page: int = Field(description="which page of the form, from its page code")
    anchors: int = Field(description="corner anchors found (2 to 4)")
    fields: dict[str, FormField] = Field(default_factory=dict)
    reasons: list[str] = Field(default_factory=list)
    ms: float = 0.0


class ItemStructure(_Model):
    """Where an item stands in its batch, from the batch pre-pass over every page's marks in batch order."""

    role: Literal["separator", "reference", "page"] = Field(
        description="separator: a separator sheet (barcode SEPARATOR or patch T); reference: a page carrying an "
                    "application reference; page: any other page")
    application_id: str | None = None
    marks: list[str] = Field(default_factory=list, description="what was read: barcode formats, patch codes; "
                                                               "never a barcode's text")
    form_page: int | None = Field(default=None, description="page of the PA1 form, from its page code")
    duplicate_of: str | None = Field(default=None, description="'<batch id>/<item id>' of the same file seen first")
    rescan_of: str | None = Field(default=None, description="'<batch id>/<item id>' of the earlier scan this one "
                                                            "replaces (batch.json's rescan_of)")
    reasons: list[str] = Field(default_factory=list)


class StoredObject(_Model):
    key: str
    sha256: str
    bytes: int
    role: str = Field(description="original, normalised, thumbnail, manifest, ...")
    content_type: str = ""


class Provenance(_Model):
    svs_version: str
    schema_version: str = SCHEMA_VERSION
    models: dict[str, str]
    profile: str
    processed_at: str = Field(description="UTC, ISO 8601")
    host: str = ""
    digests: dict[str, str] = Field(default_factory=dict, description="'sha256:<hex>' of what decided it, by "
                                    "content: each model's files, the form template, the threshold profile's "
                                    "values, the dependency lock file (svs.digests)")


class ItemResult(_Model):
    kind: Literal["item"] = "item"
    schema_version: str = SCHEMA_VERSION
    batch_id: str
    item_id: str
    application_id: str | None = None
    source: Source
    document_type: DocumentType
    verdict: VerdictName
    reasons: list[str]
    quality: QualityResult | NotMeasured = Field(description="the page-quality checks; an empty object where "
                                                              "the file could not be read")
    mrz: MrzResult | None = Field(default=None, description="the MRZ as read, where the item is an MRZ document")
    photo: PhotoResult | None = Field(default=None, description="the photo rules' judgement, where the item is a "
                                                                "photo or a page with printed photos")
    form: FormResult | None = Field(default=None, description="the form's fields, where the page is a known form")
    supersedes: str | None = Field(default=None, description="'<batch id>/<item id>' of the earlier scan this "
                                                             "rescan replaces in its application")
    priority: Priority = Field(default="normal", description=PRIORITY_HELP)
    structure: ItemStructure | None = Field(
        default=None, description="where the item stands in the batch (separator, reference, duplicate) as the "
                                  "batch pre-pass found it")
    stored: list[StoredObject] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    provenance: Provenance


class BatchSummary(_Model):
    kind: Literal["batch"] = "batch"
    schema_version: str = SCHEMA_VERSION
    batch_id: str
    items: int
    verdicts: dict[str, int]
    reasons: dict[str, int]
    priority: Priority = Field(default="normal", description=PRIORITY_HELP)
    stored: list[StoredObject] = Field(default_factory=list)


class ApplicationSummary(_Model):
    """One application of a batch: its items, and the form checked against the old passport's MRZ."""

    kind: Literal["application"] = "application"
    schema_version: str = SCHEMA_VERSION
    batch_id: str
    application_id: str
    items: list[str] = Field(description="item ids in batch order; a rescan from another batch in place of the "
                                         "item it replaced, as '<batch id>/<item id>'")
    version: int = Field(default=1, ge=1, description="1, then one higher each time a rescan changes it")
    superseded: list[str] = Field(default_factory=list, description="'<batch id>/<item id>' of the scans that "
                                                                    "rescans replaced, oldest first")
    verdict: VerdictName = Field(description="the worst of its items' verdicts and its own checks")
    reasons: list[str] = Field(description="its items' reasons and the cross-checks' reasons, sorted")
    priority: Priority = Field(default="normal", description="'urgent' where any of its items is")
    checks: dict[str, Literal["match", "mismatch", "not_checked"]] = Field(
        description="surname, birth_date, document_number: the form against the MRZ of the old passport; "
                    "not_checked where either side was not read with confidence")
    stored: list[StoredObject] = Field(default_factory=list)


class Supersession(_Model):
    """The record, stored beside an item's result (create-only), that a rescan replaced it. The result itself
    is never changed."""

    kind: Literal["supersession"] = "supersession"
    schema_version: str = SCHEMA_VERSION
    superseded: str = Field(description="'<batch id>/<item id>' of the earlier scan")
    by: str = Field(description="'<batch id>/<item id>' of the rescan")
    application_id: str | None = Field(default=None, description="the application both belong to")
    recorded_at: str = Field(description="when the rescan was accepted (UTC, ISO 8601)")


class Signature(_Model):
    """An Ed25519 signature over the exact bytes of a stored object, stored beside it (``<key>.sig``)."""

    alg: Literal["ed25519"] = "ed25519"
    key_id: str = Field(description="first 16 hex digits of the SHA-256 of the raw public key")
    sha256: str = Field(description="of the bytes signed")
    signature: str = Field(description="base64")


#: ``batch_finished`` names, in one record, what a batch decided when it finished: every item result, each
#: application summary issued and the batch summary (from 1.6.0; logs written by 1.5.0 hold ``items_decided``,
#: ``application_issued`` and ``batch_summarised`` instead, which verify reads alike).
DecisionEvent = Literal["batch_finished", "items_decided", "application_issued", "application_reissued",
                        "rescan_superseded", "batch_summarised", "message_replayed"]


class LoggedObject(_Model):
    key: str
    sha256: str


class DecisionRecord(_Model):
    """One record of a batch's decision log (``batches/<id>/log/<seq>.json``): append-only, create-only, each
    record holding the SHA-256 of the one before, so that a record changed, removed or moved breaks the chain."""

    kind: Literal["decision"] = "decision"
    schema_version: str = SCHEMA_VERSION
    batch_id: str
    seq: int = Field(ge=0)
    event: DecisionEvent
    at: str = Field(description="UTC, ISO 8601")
    prev: str | None = Field(description="SHA-256 of the previous record's bytes; null for the first")
    objects: list[LoggedObject] = Field(default_factory=list, description="the stored objects the event "
                                        "decided, each by key and SHA-256")
    subject: str | None = Field(default=None, description="an item id or message id the event is about")


class RunOptions(_Model):
    """How a batch is to be processed; it travels with a submitted batch so that every worker runs it alike."""

    profile: str = Field(default="uk-2026.1", description="threshold profile name (svs.thresholds.PROFILES)")
    mrz: bool = True
    photo: bool = True
    barcodes: bool = True
    forms: bool = True
    reader: str = Field(default="svs", description="MRZ reader: svs, or passporteye or tesseract to compare")
    priority: Priority = Field(default="normal", description=PRIORITY_HELP)


class SubmittedItem(_Model):
    item_id: str
    name: str = Field(description="file name inside the batch folder")
    page: int | None = None
    sha256: str
    inbox_key: str | None = Field(description="where its bytes wait in the store; null where refused at intake")
    declared_type: DocumentType | None = None
    intake_error: str | None = Field(default=None, description="reason code where the file could not be read")
    structure: ItemStructure | None = None


class SubmittedBatch(_Model):
    """The manifest ``svs submit`` stores (``batches/<id>/manifest.json``); messages carry only ids into it."""

    batch_id: str
    operator: str | None = None
    scanner: str | None = None
    expected_items: int | None = None
    options: RunOptions = Field(default_factory=RunOptions)
    items: list[SubmittedItem]


class DeadLetter(_Model):
    kind: Literal["dead_letter"] = "dead_letter"
    schema_version: str = SCHEMA_VERSION
    message_id: str
    actor: str
    batch_id: str | None
    item_id: str | None
    reason: str = Field(description="An error class or reason code, never message text")
    retries: int


EXPORTED: dict[str, type[BaseModel]] = {
    "item-result": ItemResult,
    "batch-summary": BatchSummary,
    "application-summary": ApplicationSummary,
    "quality-result": QualityResult,
    "mrz-result": MrzResult,
    "photo-result": PhotoResult,
    "form-result": FormResult,
    "dead-letter": DeadLetter,
    "submitted-batch": SubmittedBatch,
    "supersession": Supersession,
    "signature": Signature,
    "decision-record": DecisionRecord,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every published shape as JSON Schema, keyed by file stem."""
    out: dict[str, dict[str, Any]] = {}
    for name, model in EXPORTED.items():
        schema = model.model_json_schema()
        schema["$id"] = f"https://svs.invalid/schema/{SCHEMA_VERSION}/{name}.json"
        schema["x-schema-version"] = SCHEMA_VERSION
        out[name] = schema
    return out


def write_json_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
