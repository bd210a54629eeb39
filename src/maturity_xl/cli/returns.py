"""Commands about returns: read one, collect many into reports (and a programme store), feedback packs."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from ..errors import MaturityXLError
from .common import (
    DEFAULT_OUT,
    OPEN_PASSWORD_ENV,
    _epilog,
    _key,
    _listed_inputs,
    _password,
    _progress,
    main,
    plural,
)
from .programme import _add_to_store, _checked_store


@main.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
def parse_command(file: Path, as_json: bool) -> None:
    """Read one returned workbook FILE; exit 1 if it was rejected.

    Each problem is shown with its code and what the sender should do (docs/problems.md lists every code).
    """
    import json

    from ..parse import default_registry, parse

    if not file.exists():
        raise click.UsageError(f"{file} does not exist")
    registry = default_registry()
    response = parse(file, registry=registry)
    framework = registry.get(response.framework_id, response.framework_version)
    if as_json:
        click.echo(json.dumps(response.to_dict(framework), ensure_ascii=False, indent=2))
    else:
        click.echo(_summary(response, framework))
    if response.rejected:
        sys.exit(1)


AREA_WIDTH = 44  # an area's id and title in parse's summary; longer titles are cut with an ellipsis


def _summary(response, framework=None) -> str:
    """parse's text: who, each area by id and title with how many rated and the mean, then every problem with
    its code and the catalogue's advice to the sender."""
    from ..rounding import rounded

    lines = [f"{response.file}: {response.status}"]
    if response.framework_id:
        lines.append(f"  framework  {response.framework_id} {response.framework_version}"
                     + (f" ({framework.title})" if framework is not None else ""))
        lines.append(f"  service    {response.service_name or '-'} ({response.service_id or 'no id'})")
        who = ", ".join(f"{k}: {v}" for k, v in response.respondent.items() if v)
        lines.append(f"  respondent {who or '-'}")
        titles = {a.id: a.title for a in framework.areas} if framework is not None else {}
        for area, score in response.scores().items():
            mean = rounded(score.mean, 2) if score.mean is not None else "-"
            label = f"{area} {titles[area]}" if area in titles else area
            if len(label) > AREA_WIDTH:
                label = label[: AREA_WIDTH - 1] + "…"
            lines.append(f"  {label:<{AREA_WIDTH}} {score.rated:>3}/{score.total:<3} rated, mean {mean}")
        lines.append(f"  actions    {len(response.actions)}")
    for problem in response.problems:
        where = problem.where()
        lines.append(f"  {problem.severity} [{problem.code}]: {where + ': ' if where else ''}{problem.message}")
        if problem.advice:
            lines.append(f"      what to do: {problem.advice}")
    return "\n".join(lines)


@main.command("collect", epilog=_epilog(
    "maturity-xl collect returns/ more.zip -o report.xlsx --html report.html \\\n"
    "    --expected output/lincs/manifest.csv --csv-dir csv/\n"
    f"{OPEN_PASSWORD_ENV}=agreed maturity-xl collect returns/   # encrypted returns; no password on the command line",
    "  0  every file was read and logged, and every report was written where asked",
    "  1  nothing was collected and nothing overwritten: a path is missing or an empty folder, an output names an\n"
    "     input, --expected is not a manifest, the key cannot be read; or a report could not be written where\n"
    "     asked (the message says why, and where it was written instead, if it was)"))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT / "report.xlsx",
              show_default=True, help="The consolidated workbook to write.")
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), help="Also write an HTML report here.")
@click.option("--expected", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A manifest.csv from the mail-merge (repeatable): lists who has not returned. A manifest re-saved "
                   "by Excel (CSV in any encoding or delimiter, or .xlsx) is read too.")
@click.option("--csv-dir", type=click.Path(path_type=Path, file_okay=False), help="Also export the tidy tables as CSV.")
@click.option("--chase", "chase_csv", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the chasing list (with --expected; default: chase.csv beside the report): every "
                   "expected service missing, rejected, blank, incomplete or in conflict, with its contact and what "
                   "to ask for, ready for a mail merge.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date overdue actions are judged "
              "against (default: today).")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The key the workbooks were generated with: flags returns whose identity was altered or copied.")
@click.option("--open-password", default=None, envvar=OPEN_PASSWORD_ENV, show_envvar=True,
              help="The password agreed with services, to open encrypted returns (or set the environment variable, "
                   "or use --ask-open-password).")
@click.option("--ask-open-password", is_flag=True, help="Ask for the password to open returns without echoing it.")
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False), callback=_checked_store,
              help="Also add the returns to this programme store (an SQLite file; created if new).")
@click.option("--round", "round_name", default=None, help="With --store: the round these returns belong to "
              "(opened if new), for workbooks that do not name theirs.")
def collect_command(paths: tuple[Path, ...], output: Path, html: Path | None, expected: tuple[Path, ...],
                    csv_dir: Path | None, chase_csv: Path | None, today, key_file: Path | None,
                    open_password: str | None, ask_open_password: bool, store: Path | None,
                    round_name: str | None) -> None:
    """Collect returned workbooks from PATHS (files, folders, .zip archives) into consolidated reports.

    Outputs are checked against the inputs, and --expected is read, before any return is; an earlier report is
    replaced only by a complete one.
    """
    from ..collect import collect
    from ..outputs import check_outputs, terminating_cleanly, write_file, write_reports

    if chase_csv is not None and not expected:
        raise click.UsageError("--chase needs --expected: the chasing list is made from the manifest")
    if expected and chase_csv is None:
        chase_csv = output.with_name("chase.csv")
    open_password = _password(open_password, ask_open_password, "Password to open the returns", confirm=False)
    bar = None
    try:
        check_outputs({"-o": output, "--html": html, "--csv-dir": csv_dir, "--chase": chase_csv}, paths, expected,
                      stores=[store] if store else [])
        if expected:  # a wrong --expected is said now, not after every return has been read
            from ..manifest import read_manifests  # only then: 3 ms of csv and its checks before the workers start

            read_manifests(expected)
        key = _key(key_file)
        listed = _listed_inputs(paths)  # listed once: collect reads these rather than listing the folders again
        bar = _progress(len(listed), "collecting")
        with terminating_cleanly():  # a SIGTERM from here on removes the temporary files on its way out
            collection = collect(paths, expected=list(expected) or None, today=today.date() if today else None,
                                 progress=bar.update if bar else None, key=key, password=open_password,
                                 meanwhile=_load_writers, sources=listed)
            if bar:
                bar.close()
                bar = None
            written = write_reports(collection, output, html, csv_dir)
            if chase_csv is not None:
                from ..report import write_chase_csv

                path, note = write_file(chase_csv, lambda tmp: write_chase_csv(collection, tmp), "the chasing list")
                written.files.append(path)
                written.notes += [note] if note else []
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar:
            bar.close()
    if store:
        _add_to_store(store, collection, round_name or _named_round(collection), expected)
    _collect_summary(collection)
    reports = [str(p) for p in written.files if csv_dir is None or p.parent != csv_dir]
    click.echo("wrote " + ", ".join(reports) +
               (f", CSVs in {csv_dir}" if csv_dir else ""))
    if written.notes:
        raise click.ClickException("\n".join(written.notes))


def _load_writers() -> None:
    """Import the report writers (pandas, XlsxWriter: over a second on a slow machine) while the workers read
    the returns, not before they start."""
    import gc

    from .. import report  # noqa: F401

    # The modules just loaded (hundreds of thousands of objects) live until exit: frozen, the cycle collector no
    # longer walks them each time writing the reports makes it run a full pass.
    gc.freeze()


def _named_round(collection) -> str | None:
    """The round the returns' workbooks name (`generate --round`), when they name one and only one: it is then
    the round to file them under (opened if new), as if given with --round."""
    from ..store.writing import all_heads

    named = {head.round for head in all_heads(collection) if head.round}
    return named.pop() if len(named) == 1 else None


def _collect_summary(collection) -> None:
    """What `collect` found, in words: files by status, blank and incomplete returns, who is missing, notices."""
    from ..report.tables import headline

    counts = collection.counts()
    click.echo(f"{plural(len(collection.log), 'file')}: " + ", ".join(f"{n:,} {s}" for s, n in counts.items() if n))
    h = headline(collection)
    click.echo(f"{plural(h.complete, 'return')} complete, {h.incomplete:,} incomplete (not every statement rated: "
               f"the file log says how many of each), {h.blank:,} returned blank (not counted as returned)")
    if collection.expected is not None:
        click.echo(f"{plural(len(collection.missing), 'expected return')} missing, "
                   f"{plural(len(collection.unexpected), 'return')} from services not in the manifest")
        from ..chase import counts as chase_counts

        states = {state: n for state, n in chase_counts(collection).items() if n}
        if states:
            click.echo(f"{plural(sum(states.values()), 'service')} to chase: " +
                       ", ".join(f"{n:,} {state}" for state, n in states.items()))
    for notice in collection.notices:
        click.echo(f"note: {notice}")


@main.command("feedback", epilog=_epilog(
    "maturity-xl feedback returns/ --expected output/lincs/manifest.csv --out-dir feedback/\n"
    "maturity-xl feedback --store programme.db --round 2027 --out-dir feedback/   # with change since 2026",
    "  0  a pack was written for every service that returned, and feedback/manifest.csv",
    "  1  a path is missing or holds no file, the store or round cannot be read, or a pack could not be written"))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Take the returns from this programme store instead of PATHS (no workbook is opened); each pack "
                   "then shows the change since the round before.")
@click.option("--round", "round_name", default=None, help="With --store: the round (default: the latest).")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT / "feedback",
              show_default=True, help="Folder for each service's pack and manifest.csv.")
@click.option("--expected", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A manifest.csv from the mail-merge (repeatable): the contact each pack goes to.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date overdue actions are judged "
              "against (default: today).")
@click.option("--no-pdf", is_flag=True, help="Write the HTML packs only (PDFs need Chromium).")
@click.option("--open-password", default=None, help="The password agreed with services, to open encrypted returns.")
def feedback_command(paths: tuple[Path, ...], store: Path | None, round_name: str | None, out_dir: Path,
                     expected: tuple[Path, ...], today, no_pdf: bool, open_password: str | None) -> None:
    """Write a feedback pack (HTML and PDF) for each service that returned, from PATHS or a store, and a manifest."""
    from ..feedback import write_feedback_for

    if bool(paths) == bool(store):
        raise click.UsageError("give the returns (PATHS) or a programme store (--store), one of the two")
    listed = _listed_inputs(paths) if paths else None  # a missing path or an empty folder is said now
    day = today.date() if today else None
    try:
        with ExitStack() as stack:
            collection, previous = (_from_store(stack, store, round_name, day) if store else
                                    (_collected(paths, expected, day, open_password, listed), None))
            bar = _progress(len(collection.heads), "feedback")
            if bar:
                stack.callback(bar.close)
            manifest = write_feedback_for(collection, out_dir, pdf=not no_pdf, previous=previous,
                                          progress=bar.update if bar else None)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or ''}: {exc.strerror}") from None
    kinds = "HTML" if no_pdf else "HTML and PDF"
    click.echo(f"wrote {plural(len(collection.heads), 'feedback pack')} ({kinds}) in {out_dir}; manifest: {manifest}")


def _collected(paths, expected, day, open_password, listed):
    from ..collect import collect

    return collect(paths, expected=list(expected) or None, today=day, password=open_password, sources=listed)


def _from_store(stack: ExitStack, path: Path, round_name: str | None, day):
    """A round of the store as a collection, and the frames of the round before it (for each pack's change); the
    store stays open until the packs are written (its frames are read when first asked for)."""
    from ..store import Store

    store = stack.enter_context(Store(path, create=False))
    current = store.round(round_name)
    earlier = store.previous(current)
    previous = store.collection(earlier.name, today=day).frames() if earlier is not None else None
    return store.collection(current.name, today=day), previous
