"""The ``svs`` command line. Results go to stdout: for machines (``--json``) one JSON object per line, for people
a table or lines in words; progress, summaries and logs go to stderr. Nothing is cut at the terminal's width.
Exit status (:mod:`svs.errors`): 0 all inputs processed, 1 the program failed, 2 a usage or configuration
mistake.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from svs import explain, log, memory, signing
from svs.errors import EXIT_USAGE, ConfigError, SvsError
from svs.pipeline import Options
from svs.reasons import words
from svs.schema import ItemResult, Priority

# plain help and errors: a flag is shown without a value, and an error line is never wrapped into a box
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Scanning, validation and storage of "
                  "identity-document application items.")
#: Lines are never cut or wrapped at the terminal's width: piped into a file, a name or a code stays whole.
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]
NoMrzOpt = Annotated[bool, typer.Option("--no-mrz", help="Skip the MRZ stage")]
NoPhotoOpt = Annotated[bool, typer.Option("--no-photo", help="Skip the photo stage")]
NoFormsOpt = Annotated[bool, typer.Option("--no-forms", help="Skip reading form fields (barcodes and separators "
                                                             "are still read)")]
#: Files a stage command reads: a path that does not exist, or a folder, is a usage mistake (exit 2).
FilesArg = Annotated[list[Path], typer.Argument(help="Image files (JPEG, PNG, TIFF, PDF)", exists=True,
                                                dir_okay=False, metavar="FILE")]
BrokerOpt = Annotated[str | None, typer.Option("--broker", help="amqp://... or redis://...; default $SVS_BROKER_URL")]


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":"), default=str) + "\n")
    sys.stdout.flush()


def _say(exc: SvsError) -> None:
    err.print(f"[red]{escape(exc.code)}:[/] {escape(str(exc))}")


def _stop(exc: SvsError) -> NoReturn:
    """End the command on *exc*: one line saying what went wrong, and the exit status its class carries."""
    _say(exc)
    raise typer.Exit(exc.exit_code) from exc


class Lane(StrEnum):
    """``svs submit --priority``'s choices (svs.schema.Priority)."""

    urgent = "urgent"
    normal = "normal"


def _options(no_mrz: bool = False, no_photo: bool = False, no_forms: bool = False) -> Options:
    return Options(mrz=not no_mrz, photo=not no_photo, forms=not no_forms)


@app.callback()
def _main(log_level: Annotated[str | None, typer.Option(help="debug, info, warning (default), error")] = None) -> None:
    log.configure(log_level)


@app.command()
def run(
    batch: Annotated[Path, typer.Argument(help="Batch folder", metavar="BATCH")],
    store: Annotated[str | None, typer.Option(help="Store URL (default ./svs-data or $SVS_STORE_URL)")] = None,
    as_json: JsonOpt = False,
    jobs: Annotated[int, typer.Option(help="Parallel processes (0: one per core)", min=0)] = 0,
    no_mrz: NoMrzOpt = False,
    no_photo: NoPhotoOpt = False,
    no_forms: NoFormsOpt = False,
    report: Annotated[Path | None, typer.Option(help="Also write the batch report (one HTML file) here")] = None,
    applications: Annotated[bool, typer.Option(
        "--applications", help="With --json, also print each application's summary (kind application) before the "
                               "batch summary")] = False,
    memory_limit_mb: Annotated[int | None, typer.Option(
        help="Cap each processing process's memory (MiB, at least 1024; default $SVS_MEMORY_LIMIT_MB, else none): "
             "an item needing more gets input.too_large")] = None,
) -> None:
    """Process a batch folder in this process, with no broker (the embedded mode). The batch report is kept in
    the store beside the batch (batches/<id>/report.html)."""
    from svs.api import run_batch
    from svs.storage import DEFAULT_STORE

    if not batch.is_dir():
        err.print(f"[red]not a batch folder:[/] {batch}")
        raise typer.Exit(EXIT_USAGE)
    store_url = store or os.environ.get("SVS_STORE_URL") or DEFAULT_STORE
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False,
                        disable=not err.is_terminal and as_json)
    task = progress.add_task("items", total=None)

    def on_result(r: ItemResult) -> None:
        progress.advance(task)
        if as_json:
            _emit({"path": str(batch / r.source.name)} | r.model_dump(mode="json"))

    try:
        limit = memory.limit_from_env() if memory_limit_mb is None else memory.validate_limit_mb(
            memory_limit_mb, "--memory-limit-mb")
        with progress:
            outcome = run_batch(batch, store_url, jobs, _options(no_mrz, no_photo, no_forms), on_result,
                                on_start=lambda n: progress.update(task, total=n), memory_limit_mb=limit)
        body = outcome.report
        if report is not None:
            _write_private(report, body)
    except SvsError as exc:
        _stop(exc)
    if as_json:
        for a in outcome.applications if applications else []:
            _emit(a.model_dump(mode="json", exclude={"stored"}))
        _emit(outcome.summary.model_dump(mode="json", exclude={"stored"}))
    else:
        _print_table(outcome.results)
        s = outcome.summary
        err.print(f"batch [bold]{s.batch_id}[/]: {s.items} items, " +
                  ", ".join(f"{k} {v}" for k, v in s.verdicts.items()) + f"; stored in {store_url}")
        for a in outcome.applications:
            checks = ", ".join(f"{k} {v.replace('_', ' ')}" for k, v in a.checks.items())
            again = f" (version {a.version}, issued again after a rescan)" if a.version > 1 else ""
            err.print(f"application {_literal(a.application_id)}{again}: {len(a.items)} items, "
                      f"{explain.APPLICATION_WORDS.get(a.verdict, a.verdict)}; form against passport: {checks}")
        err.print(f"report: {_literal(str(report if report is not None else _kept_at(store_url, outcome.report_key)))}"
                  f" ({len(body) / 1e6:.1f} MB); open it in a browser")
        signer = signing.current()
        err.print(f"signed with key {signer.key_id} ({_literal(str(signer.path))}); check the store with: "
                  f"svs verify {_literal(store_url)}")
    raise typer.Exit(1 if outcome.failures else 0)


def _write_private(path: Path, body: bytes) -> None:
    """Write a file only its owner can read (0600): a report holds the applicants' names and numbers."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)  # a file that was there before keeps no wider mode
        f.write(body)


def _kept_at(store_url: str, key: str) -> str:
    """Where a stored object is, as a person would open it: a file's path in a directory store, else its URL."""
    from svs.storage import DirStore, open_store

    store = open_store(store_url)
    return str(store.root / key) if isinstance(store, DirStore) else f"{store.url.rstrip('/')}/{key}"


_COLOURS = {"accepted": "green", "refer": "yellow", "rescan": "magenta", "rejected": "red"}


def _literal(text: str) -> str:
    """A name that came with a file, shown as it is: no Rich markup, control characters made visible."""
    return escape("".join(c if c.isprintable() else repr(c)[1:-1] for c in text))


def _table_console() -> Console:
    """stdout for a table: at a terminal its width; anywhere else (a file, a pipe) wide enough for any row."""
    return out if out.is_terminal else Console(width=10_000)


def _print_table(results: list[ItemResult]) -> None:
    table = Table(title="svs batch results", show_lines=False)
    for col in ("item", "file", "page", "type", "verdict", "reasons"):
        table.add_column(col)
    order = {"rescan": 0, "rejected": 1, "refer": 2, "accepted": 3}
    for r in sorted(results, key=lambda r: (order[r.verdict], r.item_id)):
        colour = _COLOURS[r.verdict]
        table.add_row(r.item_id, _literal(r.source.name), str(r.source.page or ""), r.document_type,
                      f"[{colour}]{r.verdict}[/]", " ".join(r.reasons))
    _table_console().print(table)
    for code in sorted({c for r in results for c in r.reasons}):
        out.print(f"  [bold]{escape(code)}[/]: {escape(words(code))}")


_GOOD = {"ok", "compliant"}


def _stage(stage: str, files: list[Path], as_json: bool, options: Options | None = None,
           overlay_dir: Path | None = None) -> None:
    from svs.commands import run_stage

    options = options or Options()
    for path in files:
        result = run_stage(stage, path, options, overlay_dir)
        if as_json:
            _emit(result)
            continue
        status, lines = explain.describe(stage, result)
        good = status in _GOOD or status.startswith(("valid", "compliant"))
        out.print(f"[bold]{_literal(str(path))}[/]: [{'green' if good else 'red'}]{escape(status)}[/]  "
                  f"({result['ms']} ms)")
        for line in lines:
            out.print(f"  {_literal(line)}")
        if result.get("overlay"):
            out.print(f"  overlay: {_literal(result['overlay'])}")


@app.command()
def quality(files: FilesArg, as_json: JsonOpt = False) -> None:
    """Page-quality checks on image files."""
    _stage("quality", files, as_json)


@app.command()
def mrz(
    files: FilesArg,
    as_json: JsonOpt = False,
    reader: Annotated[str, typer.Option(help="svs (default); passporteye or tesseract, for comparison")] = "svs",
) -> None:
    """Find, read and validate the MRZ on image files."""
    from svs.mrz.read import READERS

    if reader not in READERS:
        err.print(f"[red]unknown reader {reader!r}[/]: choose from {', '.join(READERS)}")
        raise typer.Exit(EXIT_USAGE)
    _stage("mrz", files, as_json, Options(reader=reader))


@app.command()
def photo(
    files: Annotated[list[Path], typer.Argument(help="Image files: photos, or scanned pages with printed photos",
                                                exists=True, dir_okay=False, metavar="FILE")],
    as_json: JsonOpt = False,
    profile: Annotated[str, typer.Option(help="uk-printed (default: a scanned print), uk-digital or icao")] = "",
    overlay: Annotated[Path | None, typer.Option(help="Write each input's annotated overlay (JPEG) here")] = None,
) -> None:
    """Passport-photo compliance checks on image files."""
    from dataclasses import replace

    from svs.thresholds import DEFAULT_PROFILE, PHOTO_PROFILES

    chosen = PHOTO_PROFILES.get(profile or DEFAULT_PROFILE.photo.name)
    if chosen is None:
        err.print(f"[red]unknown photo profile {profile!r}[/]: choose from {', '.join(PHOTO_PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    if overlay is not None:
        overlay.mkdir(parents=True, exist_ok=True)
    _stage("photo", files, as_json, Options(profile=replace(DEFAULT_PROFILE, photo=chosen)), overlay)


@app.command()
def serve(
    store: Annotated[str | None, typer.Option(help="Store URL (default ./svs-data or $SVS_STORE_URL)")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8600,
    token: Annotated[str | None, typer.Option(help="Access token (default $SVS_SERVE_TOKEN, else a new one)")] = None,
) -> None:
    """The dashboard: batches with live progress, each batch's items and pictures, a JSON API (token required)."""
    import secrets

    import uvicorn

    from svs.serve import create_app
    from svs.storage import DEFAULT_STORE, open_store

    store_url = store or os.environ.get("SVS_STORE_URL") or DEFAULT_STORE
    chosen = token or os.environ.get("SVS_SERVE_TOKEN") or secrets.token_urlsafe(24)
    try:
        app_ = create_app(open_store(store_url), chosen)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from exc
    if not (token or os.environ.get("SVS_SERVE_TOKEN")):
        err.print(f"dashboard: http://{host}:{port}/?token={chosen}")
    else:
        err.print(f"dashboard: http://{host}:{port}/ (token from {'--token' if token else 'SVS_SERVE_TOKEN'})")
    uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)


@app.command()
def submit(
    batch: Annotated[Path, typer.Argument(help="Batch folder", metavar="BATCH")],
    store: Annotated[str, typer.Option(help="Store URL the workers can reach (s3://bucket/prefix)")],
    broker: BrokerOpt = None,
    no_mrz: NoMrzOpt = False,
    no_photo: NoPhotoOpt = False,
    no_forms: NoFormsOpt = False,
    priority: Annotated[Lane | None, typer.Option(
        help="urgent or normal: the lane its items wait in (default: batch.json's priority, else normal)")] = None,
) -> None:
    """Put every item of the batch into the store and enqueue one message per item on its lane. Prints the batch
    id; says how long the backlog ahead is. The stages skipped here are skipped by every worker that processes
    the batch. A batch that would pass the lane's backlog limit (SVS_BACKLOG_LIMIT) is refused whole."""
    from workers.submit import submit_batch

    try:
        done = submit_batch(batch, store, broker, _options(no_mrz, no_photo, no_forms),
                            cast(Priority, priority.value) if priority else None)
    except SvsError as exc:
        _stop(exc)
    err.print(f"submitted {done.items} items ({done.priority}); {done.backlog.line(done.priority)}")
    print(done.batch_id)


@app.command()
def worker(
    broker: BrokerOpt = None,
    processes: Annotated[int, typer.Option(help="Worker processes (0: one per core)", min=0)] = 0,
    threads: Annotated[int, typer.Option(help="Threads per process", min=1)] = 1,
) -> None:
    """Run the Dramatiq workers that process submitted items."""
    from workers.run import run_workers

    raise typer.Exit(run_workers(broker, processes or os.cpu_count() or 1, threads))


@app.command()
def health(
    check: Annotated[str, typer.Argument(help="live: this machine's workers are running; ready: the broker, the "
                                              "store and Tesseract answer")],
    broker: BrokerOpt = None,
    store: Annotated[str | None, typer.Option(help="Store URL to check (default $SVS_STORE_URL)")] = None,
    max_age: Annotated[float, typer.Option(help="live: the oldest heartbeat that counts, in seconds")] = 60.0,
) -> None:
    """Liveness and readiness for a container orchestrator: prints JSON, exits 0 when healthy, 1 when not."""
    from workers import health as h
    from workers.config import broker_url

    if check == "live":
        out = h.liveness(max_age_s=max_age)
    elif check == "ready":
        try:
            url = broker_url(broker)
        except ConfigError as exc:
            _stop(exc)
        out = h.readiness(url, store or os.environ.get("SVS_STORE_URL"))
    else:
        err.print("[red]health check must be live or ready[/]")
        raise typer.Exit(EXIT_USAGE)
    print(json.dumps(out))
    raise typer.Exit(0 if out["ok"] else 1)


@app.command()
def replay(
    broker: BrokerOpt = None,
    limit: Annotated[int | None, typer.Option(help="Move at most this many", min=1)] = None,
) -> None:
    """Put the messages of the dead-letter queue back on the item queue (after the cause is fixed). Safe to run
    twice: items already done are not done again."""
    from workers.channels import reaching
    from workers.replay import replay as do_replay

    try:
        with reaching(broker):
            moved = do_replay(broker, limit=limit)
    except SvsError as exc:
        _stop(exc)
    err.print(f"replayed {moved} message(s)")
    print(moved)


@app.command()
def results(
    broker: BrokerOpt = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for new results")] = False,
    queue: Annotated[str | None, typer.Option(
        "--queue", help="This consumer's own durable queue (RabbitMQ) or consumer group (Redis), declared on "
                        "first use: it gets every message it is bound to, whoever else consumes")] = None,
    bind: Annotated[list[str] | None, typer.Option(
        "--bind", help="Add a binding of the queue: item.<verdict>, application.<verdict>, batch; * one word, "
                       "# any (repeatable; the broker keeps a queue's bindings; a new queue given none gets #)")
    ] = None,
    claim_after: Annotated[float, typer.Option(
        "--claim-after", min=1.0, help="Redis: seconds before what a dead consumer of the group held is "
                                       "claimed back")] = 60.0,
    dead_letters: Annotated[bool, typer.Option("--dead-letters", help="Read the dead-letter notices")] = False,
) -> None:
    """Print result messages as JSON lines. Without --queue they are taken off the default results queue,
    shared by every consumer that does the same; each message is acknowledged once its line is written."""
    from workers.channels import open_channel, reaching
    from workers.channels.redis import RedisChannel
    from workers.channels.routing import check_pattern, check_queue_name

    try:
        if bind and not queue:
            raise ConfigError("--bind needs --queue: the default queue is bound to every message")
        if dead_letters and queue:
            raise ConfigError("--dead-letters reads the dead-letter queue; it takes no --queue")
        patterns = [check_pattern(p) for p in bind] if bind else None
        name = check_queue_name(queue) if queue else None
        with reaching(broker):
            channel = open_channel(broker)
            if isinstance(channel, RedisChannel):
                channel.claim_after_s = claim_after
            bodies = (channel.consume(channel.DEAD_LETTERS, follow=follow) if dead_letters
                      else channel.results(name, patterns, follow=follow))
            try:
                for body in bodies:
                    sys.stdout.write(body.decode() + "\n")
                    sys.stdout.flush()
            except KeyboardInterrupt:
                pass
            finally:
                channel.close()
    except SvsError as exc:
        _stop(exc)


@app.command()
def schema(out: Annotated[Path, typer.Argument(help="Folder for the JSON Schema files")] = Path("docs/schema"),
           ) -> None:
    """Export the result schema as JSON Schema files."""
    from svs.schema import write_json_schemas

    for path in write_json_schemas(out):
        err.print(str(path))


keys_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                       help="Signing keys: results, summaries and the decision log are signed (Ed25519).")
app.add_typer(keys_app, name="keys")


@keys_app.command("generate")
def keys_generate(file: Annotated[Path, typer.Argument(help="Where to write the new private key (never "
                                                             "overwritten)")]) -> None:
    """Make a signing key; name it with SVS_SIGNING_KEY_FILE. Prints its key id."""
    from svs import signing

    try:
        signer = signing.generate(file)
    except SvsError as exc:
        _stop(exc)
    err.print(f"signing key {signer.key_id} written to {_literal(str(file))} (readable by its owner only)")
    print(signer.key_id)


@keys_app.command("public")
def keys_public(file: Annotated[Path, typer.Argument(help="A private key file")]) -> None:
    """Print the public part of a signing key (PEM), to keep apart from the store for svs verify."""
    from svs import signing

    try:
        signer = signing.load(file)
    except SvsError as exc:
        _stop(exc)
    err.print(f"key id {signer.key_id}")
    sys.stdout.write(signing.public_pem(signer.public).decode())


form_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                       help="Form templates: print one, print its blank page, read filled pages.")
app.add_typer(form_app, name="form")


def _template(name: str) -> Any:
    from svs.forms.template import load_template, template_dirs

    try:
        return load_template(name)
    except (KeyError, ValueError):
        err.print(f"no form template {name!r} in {', '.join(str(d) for d in template_dirs())} "
                  "(SVS_TEMPLATES_DIR, then the built-in ones)")
        raise typer.Exit(EXIT_USAGE) from None


@form_app.command("template")
def form_template(name: Annotated[str, typer.Argument(help="Template name, e.g. pa1 or hmpo-b")] = "pa1",
                  as_json: JsonOpt = False) -> None:
    """Print a form template: page size and every field's x, y, boxes, pitch, box_w, box_h (mm from the page's
    top-left corner) and type."""
    from svs.forms.commands import template_json

    t = _template(name)
    if as_json:
        _emit(template_json(t))
        return
    out.print(f"[bold]{escape(t.name)} {escape(t.version)}[/]: {t.page_mm[0]:g} x {t.page_mm[1]:g} mm, "
              f"reference {escape(t.reference.pattern)} on page {t.reference.required_on_page}")
    for number, spec in sorted(t.pages.items()):
        out.print(f"page {number}")
        for f in spec.fields:
            out.print(f"  {escape(f.name):22s} {f.type:16s} x {f.x:g} y {f.y:g} mm, {f.boxes} boxes of "
                      f"{f.box_w:g} x {f.box_h:g} mm every {f.pitch:g} mm")


@form_app.command("blank")
def form_blank(
    out_file: Annotated[Path, typer.Argument(help="The PNG to write", metavar="OUT.png")],
    template: Annotated[str, typer.Option(help="Template name")] = "pa1",
    page: Annotated[int, typer.Option(help="Which page of the form")] = 1,
    reference: Annotated[str | None, typer.Option(help="An application reference printed as its barcode")] = None,
    dpi: Annotated[float, typer.Option(help="Resolution of the image, recorded in the file", min=50, max=600)] = 300,
) -> None:
    """Render the empty form page as it is printed for applicants."""
    from svs.forms.commands import blank_png

    t = _template(template)
    if page not in t.pages:
        err.print(f"the form {t.name} has pages {', '.join(str(p) for p in sorted(t.pages))}")
        raise typer.Exit(EXIT_USAGE)
    if reference is not None and not t.reference.is_reference(reference):
        err.print(f"{_literal(reference)} is not a reference of the form {t.name} ({t.reference.pattern})")
        raise typer.Exit(EXIT_USAGE)
    out_file.write_bytes(blank_png(t, page, reference, dpi))
    err.print(f"{t.name} page {page} at {dpi:g} dpi written to {_literal(str(out_file))}")


@form_app.command("read")
def form_read(
    files: FilesArg,
    template: Annotated[str | None, typer.Option(help="Read as this template's page (default: whichever fits)")
                        ] = None,
    reader: Annotated[str, typer.Option(help="icr: svs's own boxed-character recogniser; tesseract: the "
                                             "Tesseract baseline")] = "icr",
    as_json: JsonOpt = False,
) -> None:
    """Read form pages: which form and page each is, and each field's value, confidence and status."""
    from svs.forms.commands import read_file
    from svs.forms.read import READERS

    if template is not None:
        _template(template)
    if reader not in READERS:
        err.print(f"--reader is one of {', '.join(READERS)}")
        raise typer.Exit(EXIT_USAGE)
    for path in files:
        line = read_file(path, template, reader=reader)
        if as_json:
            _emit(line)
            continue
        if line["template"] is None:
            out.print(f"[bold]{_literal(str(path))}[/]: [red]not a known form's page[/] "
                      f"{escape(line.get('reason', ''))}")
            continue
        out.print(f"[bold]{_literal(str(path))}[/]: {escape(line['template'])} page {line['page']} ({line['ms']} ms)")
        for name, f in line["fields"].items():
            value = "" if f["value"] is None else _literal(f["value"])
            crossed = f"  (crossed out: box {', '.join(str(i + 1) for i in f['crossed_out'])})" \
                if f.get("crossed_out") else ""
            out.print(f"  {escape(name):22s} {f['status']:8s} {f['confidence']:.2f}  {value}{crossed}")


@app.command()
def verify(
    store: Annotated[str, typer.Argument(help="Store URL: a directory, file:///..., or s3://bucket/prefix")],
    batch: Annotated[list[str] | None, typer.Option("--batch", help="Only this batch (repeatable)")] = None,
    public_key: Annotated[list[Path] | None, typer.Option(
        "--public-key", help="Accept signatures by this key only (PEM; repeatable); default: the keys kept in "
                             "the store")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per problem, then a summary")] = False,
) -> None:
    """Check a store: every original against its SHA-256, every result and summary against its signature, each
    batch's decision log chain, and that each batch holds exactly the items its manifest and log name. Exit 0
    when all is as svs left it, 1 with every problem named."""
    from svs import signing
    from svs.storage import open_store
    from svs.verify import verify as do_verify

    try:
        pinned = None
        if public_key:
            pinned = {}
            for path in public_key:
                try:
                    pem = path.read_bytes()
                except OSError:
                    raise ConfigError(f"cannot read {path}") from None
                k = signing.load_public(pem)
                pinned[signing.key_id(k)] = k
        target = open_store(store)
        target.check()
        out = do_verify(target, batch, pinned)
    except SvsError as exc:
        _stop(exc)
    rate = out.objects / out.seconds if out.seconds else 0.0
    for p in out.problems:
        if as_json:
            _emit({"batch_id": p.batch_id, "problem": p.code, "subject": p.subject, "detail": p.detail})
        else:
            print(_plain(p.line()))
    summary = (f"{out.batches} batch(es), {out.objects} objects checked in {out.seconds:.2f} s "
               f"({rate:.0f} objects/s): " + ("all as stored" if out.ok else f"{len(out.problems)} problem(s)"))
    if as_json:
        _emit({"batches": out.batches, "objects": out.objects, "seconds": round(out.seconds, 3),
               "problems": len(out.problems), "ok": out.ok})
    err.print(summary)
    raise typer.Exit(0 if out.ok else 1)


@app.command("explain")
def explain_item(
    batch: Annotated[str, typer.Argument(help="Batch id")],
    item: Annotated[str, typer.Argument(help="Item id (as in the report and the results)")],
    store: Annotated[str | None, typer.Option(help="Store URL (default ./svs-data or $SVS_STORE_URL)")] = None,
    reproduce: Annotated[bool, typer.Option(
        "--reproduce", help="Run the stored original again under the recorded profile and compare: exit 0 when "
                            "the verdict, reasons and measures are the same, 1 naming what differs")] = False,
) -> None:
    """Why an item got its verdict: each reason, each measure with its threshold and the rule it comes from, the
    reader's confidence, the versions and digests that decided it."""
    from svs import review
    from svs.storage import DEFAULT_STORE, open_store

    try:
        target = open_store(store or os.environ.get("SVS_STORE_URL") or DEFAULT_STORE)
        result = review.load(target, batch, item)
        for line in review.account(result, review.superseded_by(target, result)):
            print(_plain(line))
        if not reproduce:
            return
        again = review.reproduce(target, result)
    except SvsError as exc:
        _stop(exc)
    print("reproduced: " + ("the same verdict, reasons and measures" if again.same else "DIFFERENT"))
    for line in again.differences:
        print(f"  {_plain(line)}")
    if again.changed_versions:
        print("not what decided it then:")
        for line in again.changed_versions:
            print(f"  {_plain(line)}")
    raise typer.Exit(0 if again.same else 1)


def _plain(text: str) -> str:
    """Text from the store printed without control characters."""
    return "".join(c if c.isprintable() else "?" for c in text)


def main() -> None:
    try:
        app()
    except SvsError as exc:
        _say(exc)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
