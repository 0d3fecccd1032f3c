"""The batch report: one self-contained HTML page (styles, script and pictures inside; nothing fetched), for
operators. Counts per verdict and reason, the rescan list first, then every item with its pictures and its
reasons in plain words; buttons filter the items by verdict.

Everything that came from a file or from OCR (names, MRZ text, barcode contents) is untrusted and escaped.
"""

from __future__ import annotations

import base64
from html import escape

from svs.explain import APPLICATION_WORDS, MRZ_FIELD_WORDS
from svs.reasons import words
from svs.report.collect import BatchView, Picture
from svs.schema import ItemResult

VERDICT_ORDER = ("rescan", "rejected", "refer", "accepted")
VERDICT_WORDS = {
    "rescan": "Rescan: scan the paper again",
    "rejected": "Rejected: the file is unusable",
    "refer": "Refer: a person must look",
    "accepted": "Accepted",
}

#: Pictures shown at the card's full width: their words must be legible without zooming.
WIDE_PICTURES = ("quality_overlay", "photo_overlay", "form_fields")

STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f4f4f2}
header{background:#1d3557;color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px}
main{padding:16px 24px}.counts{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 16px}
.count{background:#fff;border-radius:6px;padding:10px 16px;border-left:6px solid #999;min-width:110px}
.count b{display:block;font-size:26px}.v-rescan{border-color:#b5179e}.v-rejected{border-color:#d62828}
.v-refer{border-color:#e9a100}.v-accepted{border-color:#2a9d8f}
table{border-collapse:collapse;background:#fff;margin-bottom:16px}td,th{padding:4px 10px;border-bottom:1px solid #ddd;
text-align:left}.filters button{font:inherit;margin-right:6px;padding:6px 12px;border:1px solid #999;
border-radius:4px;background:#fff;cursor:pointer}.filters button[aria-pressed=true]{background:#1d3557;color:#fff}
.rescan-list{background:#fff;border:2px solid #b5179e;border-radius:6px;padding:8px 16px;margin-bottom:16px}
.rescan-list li{margin:4px 0}.items{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.item{background:#fff;border-radius:6px;padding:10px;border-top:6px solid #999}
.item.v-rescan{border-top-color:#b5179e}.item.v-rejected{border-top-color:#d62828}
.item.v-refer{border-top-color:#e9a100}.item.v-accepted{border-top-color:#2a9d8f}
.item h3{margin:0 0 4px;
font-size:16px;word-break:break-all}.item .meta{color:#555;font-size:13px}.pics{display:flex;gap:6px;
flex-wrap:wrap;margin:6px 0}.pics figure{margin:0}.pics img{max-width:160px;max-height:220px;border:1px solid #ccc}
.pics figcaption{font-size:11px;color:#555;max-width:160px}.reasons li{margin:2px 0}.code{font-family:monospace;
font-size:12px;color:#555}.progress{background:#ddd;border-radius:4px;height:12px;max-width:480px}
.progress div{background:#2a9d8f;height:12px;border-radius:4px}
table.form{font-size:12px;margin:6px 0 0}table.form td{padding:1px 6px}tr.unsure td{background:#fde2c4}
td.check-mismatch{background:#fde2c4;font-weight:bold}td.check-match{color:#2a7d6f}
.mrz{margin:6px 0}.mrz-lines{font-family:"OCR-B","OCR B",monospace;font-size:12px;background:#f4f4f2;
padding:4px 6px;word-break:break-all}.check-ok{color:#2a7d6f}.check-wrong{color:#d62828;font-weight:bold}
.mrz-head{font-weight:bold;font-size:13px}.checks{font-size:12px}
.pics figure.wide{flex-basis:100%}.pics figure.wide img{max-width:100%;max-height:none}
.pics figure.wide figcaption{max-width:none}.rescanned{color:#2a7d6f;font-weight:bold}
"""

SCRIPT = """
document.querySelectorAll('.filters button').forEach(function(b){b.addEventListener('click',function(){
 var v=b.dataset.verdict;document.querySelectorAll('.filters button').forEach(function(o){
 o.setAttribute('aria-pressed',o===b?'true':'false')});
 document.querySelectorAll('.item').forEach(function(it){it.hidden=!(v==='all'||it.dataset.verdict===v)});
 var n=document.querySelectorAll('.item:not([hidden])').length;document.getElementById('shown').textContent=n;});});
"""


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _item_title(r: ItemResult) -> str:
    page = f", page {r.source.page}" if r.source.page else ""
    return f"{r.item_id}: {r.source.name}{page}"


def _item(r: ItemResult, pictures: list[Picture], img_src: str | None, replaced_by: str | None = None) -> str:
    figs = []
    for pic in pictures:
        if img_src is not None:
            batch, item = pic.source.split("/", 1) if pic.source else (r.batch_id, r.item_id)
            src = img_src.format(batch=batch, item=item, role=pic.role)
        elif pic.data is not None:
            src = _data_uri(pic.data)
        else:
            continue
        caption = pic.caption
        lazy = ' loading="lazy"' if img_src is not None else ""  # linked pictures load as they scroll into view
        wide = ' class="wide"' if pic.role in WIDE_PICTURES else ""
        figs.append(f'<figure{wide}><img src="{escape(src)}"{lazy} alt="{escape(caption)}"><figcaption>'
                    f"{escape(caption)}</figcaption></figure>")
    reasons = "".join(f'<li>{escape(words(c))} <span class="code">{escape(c)}</span></li>'
                      for c in r.reasons)
    failures = []
    if r.photo:
        failures += [f.text for f in r.photo.failures]
    detail = "".join(f"<li>{escape(t)}</li>" for t in failures if t)
    app = f" &middot; application {escape(r.application_id)}" if r.application_id else ""
    if r.structure and r.structure.role == "separator":
        app += " &middot; separator sheet"
    if r.supersedes:
        app += f" &middot; rescan of {escape(r.supersedes)}"
    if replaced_by:
        app += f' &middot; <span class="rescanned">rescanned: replaced by {escape(replaced_by)}</span>'
    done = ' data-rescanned="true"' if replaced_by else ""
    fields = _mrz_block(r) + _form_fields(r)
    v = escape(r.verdict)
    return (f'<article class="item v-{v}" data-verdict="{v}"{done} id="item-{escape(r.item_id)}">'
            f"<h3>{escape(_item_title(r))}</h3>"
            f'<div class="meta">{escape(VERDICT_WORDS.get(r.verdict, r.verdict))} &middot; '
            f"{escape(r.document_type.replace('_', ' '))}{app}</div>"
            f'<div class="pics">{"".join(figs)}</div>'
            f'<ul class="reasons">{reasons}{detail}</ul>{fields}</article>')


def _mrz_block(r: ItemResult) -> str:
    """The MRZ as read, its fields, each check digit and any warning: what the operator compares with the
    document in hand."""
    m = r.mrz
    if m is None or not m.found:
        return ""
    lines = "<br>".join(escape(line) for line in m.lines)
    fields = m.fields.model_dump()
    rows = "".join(f"<tr><td>{escape(label)}</td><td>{escape(str(fields[name]))}</td></tr>"
                   for name, label in MRZ_FIELD_WORDS if fields.get(name))
    checks = ", ".join(f'<span class="{"check-ok" if ok else "check-wrong"}">{escape(name.replace("_", " "))} '
                       f'{"ok" if ok else "wrong"}</span>' for name, ok in m.checks.items())
    warnings = f'<div class="code">warnings: {escape(", ".join(m.warnings))}</div>' if m.warnings else ""
    state = "valid" if m.valid else "invalid"
    return (f'<div class="mrz"><div class="mrz-head">{escape(m.format or "")} MRZ, {state}</div>'
            f'<div class="mrz-lines">{lines}</div><table class="form">{rows}</table>'
            f'<div class="checks">check digits: {checks}</div>{warnings}</div>')


def _form_fields(r: ItemResult) -> str:
    """The form's fields as read, the unsure ones marked: what the operator compares with the paper."""
    fields = r.form.fields if r.form else {}
    if not fields:
        return ""
    rows = []
    for name, f in fields.items():
        value = "(empty)" if f.empty else (f.value or "(unreadable)")
        if f.crossed_out:
            value += f" (crossed out: box {', '.join(str(i + 1) for i in f.crossed_out)})"
        unsure = f.status in ("unsure", "invalid") or (not f.empty and not f.valid)
        mark = ' class="unsure"' if unsure else ""
        rows.append(f"<tr{mark}><td>{escape(name.replace('_', ' '))}</td><td>{escape(str(value))}</td>"
                    f"<td>{f.confidence:.2f}</td></tr>")
    return f'<table class="form"><tr><th>field</th><th>read</th><th>conf.</th></tr>{"".join(rows)}</table>'


def _applications(view: BatchView) -> str:
    if not view.applications:
        return ""
    rows = "".join(
        f"<tr><td>{escape(a.application_id)}{f' (version {a.version})' if a.version > 1 else ''}</td>"
        f"<td>{len(a.items)}</td>"
        f'<td class="v-{escape(a.verdict)}">{escape(APPLICATION_WORDS.get(a.verdict, a.verdict))}</td>'
        + "".join(f"<td class=\"check-{escape(a.checks.get(c, 'not_checked'))}\">"
                  f"{escape(a.checks.get(c, 'not_checked').replace('_', ' '))}</td>"
                  for c in ("surname", "birth_date", "document_number"))
        + "</tr>" for a in view.applications)
    return ('<h2>Applications</h2><table class="applications"><tr><th>application</th><th>items</th>'
            "<th>state</th><th>surname</th><th>date of birth</th><th>passport number</th></tr>"
            f"{rows}</table>")


def render(view: BatchView, *, img_src: str | None = None, live: bool = False) -> str:
    """The report page. ``img_src`` (a format string with ``{batch}``, ``{item}`` and ``{role}``) links pictures instead
    of embedding them, for the dashboard; ``live`` adds a progress bar and reloads while the batch runs."""
    results = view.results
    counts = {v: 0 for v in VERDICT_ORDER}
    reasons: dict[str, int] = {}
    for r in results:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
        for c in r.reasons:
            reasons[c] = reasons.get(c, 0) + 1
    cards = "".join(f'<div class="count v-{v}"><b>{counts.get(v, 0)}</b>{escape(VERDICT_WORDS[v])}</div>'
                    for v in VERDICT_ORDER)
    rows = "".join(f"<tr><td class=code>{escape(c)}</td><td>{n}</td><td>{escape(words(c))}</td></tr>"
                   for c, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    reason_table = (f"<table><tr><th>reason</th><th>items</th><th>meaning</th></tr>{rows}</table>"
                    if rows else "<p>No reasons: every item passed.</p>")
    # a page already rescanned is done: it leaves the list, and says which scan replaced it
    rescans = [r for r in results if r.verdict == "rescan" and r.item_id not in view.superseded]
    rescan_items = "".join(
        f'<li><a href="#item-{escape(r.item_id)}">{escape(_item_title(r))}</a>: '
        f"{escape('; '.join(words(c) for c in r.reasons))}</li>" for r in rescans)
    done = len(view.superseded)
    done_line = f'<p class="rescanned">{done} item(s) rescanned already.</p>' if done else ""
    rescan_block = (f'<section class="rescan-list" id="rescan"><h2>Rescan these {len(rescans)} now</h2>'
                    f"<ol>{rescan_items}</ol>{done_line}</section>") if rescans else \
        f'<section class="rescan-list" id="rescan"><h2>Nothing to rescan</h2>{done_line}</section>'
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    items = "".join(_item(r, view.pictures.get(r.item_id, []), img_src,
                          view.superseded[r.item_id].by if r.item_id in view.superseded else None)
                    for r in sorted(results, key=lambda r: (order.get(r.verdict, 9), r.item_id)))
    buttons = '<button data-verdict="all" aria-pressed="true">all</button>' + "".join(
        f'<button data-verdict="{v}" aria-pressed="false">{v} ({counts.get(v, 0)})</button>' for v in VERDICT_ORDER)
    status = "complete" if view.complete else "in progress"
    progress = ""
    if live or not view.complete:
        done, total = len(results), view.expected
        width = 100 if view.complete else (round(100 * done / total) if total else 0)
        of = f" of {total}" if total else ""
        progress = (f'<p id="progress-text">{done}{of} items processed ({status})</p>'
                    f'<div class="progress"><div style="width:{width}%"></div></div>')
    refresh = '<meta http-equiv="refresh" content="5">' if live and not view.complete else ""
    title = f"svs batch {view.batch_id}"
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8>{refresh}"
            f"<meta name=viewport content='width=device-width'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><div>{len(results)} items, {status}</div></header><main>"
            f"{progress}<div class=counts>{cards}</div>{rescan_block}<h2>Reasons</h2>{reason_table}"
            f"{_applications(view)}"
            f'<h2>Items (<span id="shown">{len(results)}</span> shown)</h2><div class="filters">{buttons}</div>'
            f'<div class="items">{items}</div></main><script>{SCRIPT}</script></body></html>')
