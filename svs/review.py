"""Why an item got its verdict, and would it get it again: ``svs explain BATCH ITEM [--reproduce]``.

:func:`account` reads the stored result and says, for a person, each reason and the verdict it leads to, each
measure with its value, the threshold and the rule that threshold comes from, where the reader's confidence
decided, and the versions and digests that made the decision. :func:`reproduce` runs the stored original again
under the recorded profile, on the recorded processing date (an MRZ's expiry is judged on the day it was
processed), and compares: the verdict and reasons must be the same and each measure the same within
:data:`TOLERANCE`; any version or digest that is not the recorded one is named, since it is what would explain a
difference.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from svs import keys
from svs.batch.stored import stored_result
from svs.digests import digests
from svs.errors import ConfigError, IntegrityError
from svs.explain import MEASURE_WORDS
from svs.pipeline import Options, analyse
from svs.provenance import model_versions
from svs.reasons import REASONS, verdict_for, words
from svs.schema import ItemResult, SubmittedBatch, Supersession
from svs.storage.base import Store
from svs.thresholds import PROFILES, Profile, Threshold

#: How far a measure may move and still be "the same": relative, or absolute for values near zero. Decoding
#: and resampling are deterministic on one machine; another CPU's floating point can move the last digits.
TOLERANCE = (1e-3, 1e-6)


class NotFound(ConfigError):
    code = "item.unknown"


def load(store: Store, batch_id: str, item_id: str) -> ItemResult:
    keys.check_id(batch_id, "batch id")
    keys.check_id(item_id, "item id")
    result = stored_result(store, batch_id, item_id)
    if result is None:
        raise NotFound("no stored result for that batch and item")
    return result


def _rule(profile: Profile, section: str, name: str) -> str:
    group = getattr(profile, section, None)
    t = getattr(group, name, None) if group is not None else None
    return t.source if isinstance(t, Threshold) else ""


def account(result: ItemResult, superseded_by: Supersession | None = None) -> list[str]:
    """The verdict explained, line by line."""
    profile = PROFILES.get(result.provenance.profile)
    out = [f"item {result.batch_id}/{result.item_id}: {result.source.name}"
           + (f", page {result.source.page}" if result.source.page else ""),
           f"  original: sha256 {result.source.sha256}, {result.source.bytes} bytes, {result.source.content_type}",
           f"  document: {result.document_type.replace('_', ' ')}; application: {result.application_id or 'none'}",
           f"verdict: {result.verdict}"]
    if superseded_by is not None:
        out.append(f"  replaced since by the rescan {superseded_by.by} ({superseded_by.recorded_at})")
    if result.supersedes:
        out.append(f"  a rescan of {result.supersedes}")
    out.append("reasons:" if result.reasons else "reasons: none: every check passed")
    for code in result.reasons:
        verdict = REASONS[code].verdict.value if code in REASONS else "?"
        out.append(f"  {code} (-> {verdict}): {words(code) if code in REASONS else ''}")
    q = result.quality
    thresholds = getattr(q, "thresholds", {}) or {}
    if thresholds:
        out.append("page quality: " + ("passed" if getattr(q, "ok", False) else "failed"))
        measures = getattr(q, "measures", {})
        for name, limit in thresholds.items():
            bound, _, measure = name.partition("_")
            value = measures.get(measure)
            shown = "not measured" if value is None else f"{value:g}"
            rule = _rule(profile, "page", name) if profile else ""
            out.append(f"  {MEASURE_WORDS.get(measure, measure)}: {shown}; "
                       f"{'at least' if bound == 'min' else 'at most'} {limit:g}" + (f" ({rule})" if rule else ""))
    if result.photo is not None:
        p = result.photo
        out.append(f"photo ({p.profile}): " + ("compliant" if p.compliant else "not compliant"))
        for f in p.failures:
            out.append(f"  {f.measure} {f.value:g}, limit {f.limit:g}: {f.text} ({f.rule})")
    if result.mrz is not None:
        m = result.mrz
        out.append(f"MRZ: {'found' if m.found else 'not found'}" + (f", {m.format}, "
                   f"{'every check digit passes' if m.valid else 'a check digit fails'}" if m.found else ""))
        for name, ok in m.checks.items():
            if not ok:
                out.append(f"  check digit of {name.replace('_', ' ')}: wrong")
        for name, conf in sorted(m.field_confidence.items(), key=lambda kv: kv[1]):
            if conf < 0.9:
                out.append(f"  {name.replace('_', ' ')} read with confidence {conf:.2f}")
        if m.corrected:
            out.append("  chosen by their check digit: " + ", ".join(m.corrected))
        if m.warnings:
            out.append("  warnings: " + ", ".join(m.warnings))
    if result.form is not None and profile is not None:
        floor = profile.form.min_field_confidence
        unsure = [n for n, f in result.form.fields.items() if not f.empty and f.confidence < floor.value]
        if unsure:
            out.append(f"form fields read below confidence {floor.value:g} ({floor.source}): " + ", ".join(unsure))
    pv = result.provenance
    out.append(f"decided by svs {pv.svs_version} on {pv.host or 'an unnamed host'} at {pv.processed_at}, "
               f"profile {pv.profile}")
    for name, version in pv.models.items():
        out.append(f"  {name}: {version}")
    for name, digest in pv.digests.items():
        out.append(f"  {name} digest: {digest}")
    return out


def superseded_by(store: Store, result: ItemResult) -> Supersession | None:
    try:
        return Supersession.model_validate_json(
            store.get(keys.supersession(result.batch_id, result.item_id, result.source.sha256)))
    except KeyError:
        return None


def _options(store: Store, result: ItemResult) -> Options:
    """The options the item was processed with: its batch's submitted manifest says; an embedded run's are read
    from which stage results the item has."""
    profile = PROFILES.get(result.provenance.profile)
    if profile is None:
        raise ConfigError(f"the profile {result.provenance.profile!r} is not one this svs has")
    day = date.fromisoformat(result.provenance.processed_at[:10])
    try:
        manifest = SubmittedBatch.model_validate_json(store.get(keys.batch_manifest(result.batch_id)))
        return dataclasses.replace(Options.from_run_options(manifest.options), today=day)
    except KeyError:
        return Options(profile=profile, mrz=result.mrz is not None, photo=result.photo is not None,
                       forms=result.form is not None, today=day)


@dataclass
class Reproduction:
    same: bool
    differences: list[str] = field(default_factory=list)
    changed_versions: list[str] = field(default_factory=list)  # versions and digests not the recorded ones


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    rel, absolute = TOLERANCE
    return abs(a - b) <= max(absolute, rel * max(abs(a), abs(b)))


def reproduce(store: Store, result: ItemResult) -> Reproduction:
    """Run the stored original again as it was run, and compare."""
    original = next((s for s in result.stored if s.role == "original"), None)
    if original is None:
        raise NotFound("the item has no stored original (its file could not be read): nothing to run again")
    try:
        data = store.get_verified(original.key, original.sha256)
    except (KeyError, IntegrityError):
        raise IntegrityError("the stored original is missing or does not match its SHA-256") from None
    options = _options(store, result)
    a = analyse(data, result.source.name, result.source.page, result.document_type, options, result.structure)
    out = Reproduction(same=True)
    verdict = verdict_for(a.reasons).value
    if verdict != result.verdict:
        out.differences.append(f"verdict: recorded {result.verdict}, now {verdict}")
    if sorted(a.reasons) != sorted(result.reasons):
        out.differences.append(f"reasons: recorded {', '.join(result.reasons) or 'none'}, now "
                               f"{', '.join(a.reasons) or 'none'}")
    before = getattr(result.quality, "measures", {}) or {}
    after = getattr(a.quality, "measures", {}) if a.quality is not None else {}
    for name in sorted(set(before) | set(after)):
        if not _close(before.get(name), after.get(name)):
            out.differences.append(f"page measure {name}: recorded {before.get(name)}, now {after.get(name)}")
    if result.photo is not None and a.photo is not None:
        for name in sorted(set(result.photo.measures) | set(a.photo.measures)):
            if not _close(result.photo.measures.get(name), a.photo.measures.get(name)):
                out.differences.append(f"photo measure {name}: recorded {result.photo.measures.get(name)}, "
                                       f"now {a.photo.measures.get(name)}")
    if result.mrz is not None and a.mrz is not None and \
            (result.mrz.lines, result.mrz.valid) != (a.mrz.lines, a.mrz.valid):
        out.differences.append("MRZ: read differently now")
    recorded = {**result.provenance.models, **{f"{k} digest": v for k, v in result.provenance.digests.items()}}
    now = {**model_versions(), **{f"{k} digest": v for k, v in digests(options.profile.name).items()}}
    out.changed_versions = [f"{k}: recorded {v}, now {now.get(k, 'absent')}" for k, v in recorded.items()
                            if now.get(k) != v]
    out.same = not out.differences
    return out
