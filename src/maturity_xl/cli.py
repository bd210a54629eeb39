"""The `maturity-xl` command: a thin click layer over the library.

Domain errors become ClickException (exit 1) with a plain message; usage errors exit 2 (click's own). Every
command's --help ends with an example and its exit codes (`_epilog`).
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import click

from .errors import MaturityXLError, SpecError
from .spec import bundled_frameworks, load_framework, load_spec
from .version import __version__

DEFAULT_OUT = Path("output")
PASSWORD_ENV = "MATURITY_XL_PASSWORD"
OPEN_PASSWORD_ENV = "MATURITY_XL_OPEN_PASSWORD"
USAGE_EXIT = "  2  a usage error: an unknown option, a missing argument, an option's file that does not exist"


def _epilog(example: str, *codes: str) -> str:
    """The end of a command's --help: an example, then its exit codes (\b keeps click from rewrapping them)."""
    lines = ["\b", "Example:", *(f"  {line}" for line in example.splitlines()), "", "\b", "Exit codes:", *codes,
             USAGE_EXIT]
    return "\n".join(lines)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 file', '2 files', '1,000 files'."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def _password(given: str | None, ask: bool, prompt: str, confirm: bool) -> str | None:
    """A password from the option, its environment variable (click fills `given` from it), or a hidden prompt."""
    if ask and not given:
        return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm) or None
    return given or None


def _framework(name: str):
    try:
        return load_framework(name)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None


def _key(path: Path | None) -> bytes | None:
    """The signing key, from a regular file of at most 64 KB (`--key /dev/urandom` would otherwise read for ever)."""
    if path is None:
        return None
    from .safeio import FileRefused, read_regular
    from .sign import load_key

    try:
        read_regular(path, 64 * 1024, what="the key file")
    except FileRefused as exc:
        raise click.ClickException(f"--key {exc}") from None
    return load_key(path)


def _progress(total: int, label: str):
    """A tqdm bar on a terminal; nothing when output is piped or under CI."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="workbook", file=sys.stderr)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maturity-xl")
def main() -> None:
    """Personalised-care maturity frameworks as protected Excel workbooks."""


@main.command(epilog=_epilog("maturity-xl frameworks", "  0  the list was printed",
                             "  1  a bundled spec could not be read (the message lists its problems)"))
def frameworks() -> None:
    """List the bundled frameworks, one line each."""
    try:
        items = bundled_frameworks()
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None
    for fw in items:
        click.echo(f"{fw.id:<26} {fw.version:<6} {len(fw.areas):>2} {fw.terms.area.lower()}s "
                   f"{len(fw.statements):>3} {fw.terms.statement.lower()}s  {fw.title}")


@main.command("check-spec", epilog=_epilog("maturity-xl check-spec my-framework.yaml",
                                           "  0  the spec is valid",
                                           "  1  the spec has problems (every one is listed, with its path), or the "
                                           "file cannot be read"))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check_spec(file: Path) -> None:
    """Validate a framework spec FILE and list every problem in it."""
    try:
        fw = load_spec(file)
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{file}: OK - {fw.id} {fw.version}: {len(fw.areas)} {fw.terms.area.lower()}s, "
               f"{len(fw.statements)} {fw.terms.statement.lower()}s, scale {fw.scale.minimum}-{fw.scale.maximum}, "
               f"fingerprint {fw.fingerprint}")


@main.command(epilog=_epilog(
    "maturity-xl generate lincolnshire -o lincs.xlsx --service \"Riverside Practice\" --service-id GP001\n"
    "maturity-xl generate lincolnshire --services services.csv --out-dir output/lincs --key programme.key\n"
    f"{PASSWORD_ENV}=secret maturity-xl generate lincolnshire   # a password without putting it on the command line",
    "  0  the workbook(s) and, with --services, manifest.csv were written",
    "  1  nothing was written: the framework, the services CSV (each problem with its row) or the key is wrong,\n"
    "     the output folder holds workbooks from an earlier run (see --force), or a file cannot be written"))
@click.argument("framework")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the workbook (default: output/FRAMEWORK.xlsx).")
@click.option("--service", "service_name", default="", help="The service's name, stamped into the workbook.")
@click.option("--service-id", default="", help="The service's id, recorded in the workbook's metadata.")
@click.option("--services", "services_csv", type=click.Path(path_type=Path, dir_okay=False),
              help="A CSV of services (id, name, optional contact): one workbook per row.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the per-service workbooks and manifest.csv (with --services).")
@click.option("--password", default=None, envvar=PASSWORD_ENV, show_envvar=True,
              help="Optional password for sheet and workbook protection (or set the environment variable, or "
                   "use --ask-password).")
@click.option("--ask-password", is_flag=True, help="Ask for the protection password without echoing it.")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Sign each workbook's identity with this key file, so `collect --key` can check returns.")
@click.option("--force", is_flag=True, help="With --services: replace workbooks an earlier run left in --out-dir "
                                            "(manifest.csv keeps the earlier run's other services).")
def generate(framework: str, output: Path | None, service_name: str, service_id: str, services_csv: Path | None,
             out_dir: Path | None, password: str | None, ask_password: bool, key_file: Path | None,
             force: bool) -> None:
    """Generate the assessment workbook for FRAMEWORK (an id, or the path of a spec file)."""
    from .batch import generate_batch, read_services
    from .generate import Service
    from .generate import generate as write
    from .sign import signature

    password = _password(password, ask_password, "Protection password", confirm=True)
    fw = _framework(framework)
    try:
        key = _key(key_file)
        if services_csv:
            if output:
                raise click.UsageError("use --out-dir, not -o, with --services")
            services = read_services(services_csv)
            folder = out_dir or DEFAULT_OUT / fw.id
            bar = _progress(len(services), fw.id)
            try:
                manifest = generate_batch(fw, services, folder, password=password, key=key, force=force,
                                          progress=bar.update if bar else None)
            finally:
                if bar:
                    bar.close()
            click.echo(f"{plural(len(services), 'workbook')} for {fw.id} {fw.version} in {folder}; "
                       f"manifest: {manifest}")
            return
        if out_dir:
            raise click.UsageError("--out-dir goes with --services; use -o for one workbook")
        target = output or DEFAULT_OUT / f"{fw.id}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        if key and not service_id:
            raise click.UsageError("--key signs a service's identity: give --service-id too")
        stamp = signature(key, service_id, fw.id, fw.version, fw.fingerprint) if key else ""
        write(fw, target, service=Service(service_id, service_name), password=password, signature=stamp)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or ''}: {exc.strerror}") from None
    click.echo(f"wrote {target} ({fw.id} {fw.version}, {len(fw.statements)} {fw.terms.statement.lower()}s)")


@main.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
def parse_command(file: Path, as_json: bool) -> None:
    """Read one returned workbook FILE; exit 1 if it was rejected.

    Each problem is shown with its code and what the sender should do (docs/problems.md lists every code).
    """
    import json

    from .parse import default_registry, parse

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
    lines = [f"{response.file}: {response.status}"]
    if response.framework_id:
        lines.append(f"  framework  {response.framework_id} {response.framework_version}"
                     + (f" ({framework.title})" if framework is not None else ""))
        lines.append(f"  service    {response.service_name or '-'} ({response.service_id or 'no id'})")
        who = ", ".join(f"{k}: {v}" for k, v in response.respondent.items() if v)
        lines.append(f"  respondent {who or '-'}")
        titles = {a.id: a.title for a in framework.areas} if framework is not None else {}
        for area, score in response.scores().items():
            mean = f"{score.mean:.2f}" if score.mean is not None else "-"
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


def _checked_store(_ctx, _param, value: Path | None) -> Path | None:
    """Refuse a --store that is not a programme store before any return is read (only its header is read)."""
    if value is not None:
        from .store import check_file

        try:
            exists = check_file(value)
        except MaturityXLError as exc:
            raise click.ClickException(str(exc)) from None
        if not exists and not value.parent.is_dir():
            raise click.ClickException(f"{value}: the folder {value.parent} does not exist")
    return value


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
    from .collect import collect
    from .manifest import read_manifests
    from .outputs import check_outputs, terminating_cleanly, write_file, write_reports
    from .report import write_chase_csv

    if chase_csv is not None and not expected:
        raise click.UsageError("--chase needs --expected: the chasing list is made from the manifest")
    if expected and chase_csv is None:
        chase_csv = output.with_name("chase.csv")
    open_password = _password(open_password, ask_open_password, "Password to open the returns", confirm=False)
    bar = None
    try:
        check_outputs({"-o": output, "--html": html, "--csv-dir": csv_dir, "--chase": chase_csv}, paths, expected)
        if expected:
            read_manifests(expected)  # a wrong --expected is said now, not after every return has been read
        key = _key(key_file)
        total = _count_inputs(paths)
        bar = _progress(total, "collecting")
        collection = collect(paths, expected=list(expected) or None, today=today.date() if today else None,
                             progress=bar.update if bar else None, key=key, password=open_password)
        if bar:
            bar.close()
            bar = None
        with terminating_cleanly():  # a SIGTERM while writing removes the temporary files on its way out
            written = write_reports(collection, output, html, csv_dir)
            if chase_csv is not None:
                path, note = write_file(chase_csv, lambda tmp: write_chase_csv(collection, tmp), "the chasing list")
                written.files.append(path)
                written.notes += [note] if note else []
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar:
            bar.close()
    if store:
        _add_to_store(store, collection, round_name, expected)
    _collect_summary(collection)
    reports = [str(p) for p in written.files if csv_dir is None or p.parent != csv_dir]
    click.echo("wrote " + ", ".join(reports) +
               (f", CSVs in {csv_dir}" if csv_dir else ""))
    if written.notes:
        raise click.ClickException("\n".join(written.notes))


def _collect_summary(collection) -> None:
    """What `collect` found, in words: files by status, blank and incomplete returns, who is missing, notices."""
    from .report.tables import headline

    counts = collection.counts()
    click.echo(f"{plural(len(collection.log), 'file')}: " + ", ".join(f"{n:,} {s}" for s, n in counts.items() if n))
    h = headline(collection)
    click.echo(f"{plural(h.complete, 'return')} complete, {h.incomplete:,} incomplete (not every statement rated: "
               f"the file log says how many of each), {h.blank:,} returned blank (not counted as returned)")
    if collection.expected is not None:
        click.echo(f"{plural(len(collection.missing), 'expected return')} missing, "
                   f"{plural(len(collection.unexpected), 'return')} from services not in the manifest")
        chase = collection.chase()
        if chase:
            states = {}
            for row in chase:
                states[row.state] = states.get(row.state, 0) + 1
            click.echo(f"{plural(len(chase), 'service')} to chase: " +
                       ", ".join(f"{n:,} {state}" for state, n in states.items()))
    for notice in collection.notices:
        click.echo(f"note: {notice}")


def _count_inputs(paths: tuple[Path, ...]) -> int:
    """How many files the paths hold; a missing path or an empty folder stops the run before any report is
    replaced (a run that read nothing must not look like one that read everything)."""
    from .collect import discover
    from .safeio import describe_os_error

    total = 0
    for path in paths:
        try:
            os.lstat(path)
        except OSError as exc:
            reason = ("no such file or folder" if exc.errno == errno.ENOENT
                      else describe_os_error(exc, "the path"))
            raise click.ClickException(f"{_short(path)}: {reason}; nothing was collected and no report was written") \
                from None
        found = sum(1 for _ in discover([path]))
        if found == 0:
            raise click.ClickException(f"{_short(path)}: the folder is empty, there are no returns in it; nothing "
                                       f"was collected and no report was written")
        total += found
    return total


def _short(path: Path) -> str:
    from .safeio import shown

    return shown(str(path))


@main.command("feedback", epilog=_epilog(
    "maturity-xl feedback returns/ --expected output/lincs/manifest.csv --out-dir feedback/",
    "  0  a pack was written for every service that returned, and feedback/manifest.csv",
    "  1  a path is missing or holds no file, or a pack could not be written"))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT / "feedback",
              show_default=True, help="Folder for each service's pack and manifest.csv.")
@click.option("--expected", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A manifest.csv from the mail-merge (repeatable): the contact each pack goes to.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date overdue actions are judged "
              "against (default: today).")
@click.option("--no-pdf", is_flag=True, help="Write the HTML packs only (PDFs need Chromium).")
@click.option("--open-password", default=None, help="The password agreed with services, to open encrypted returns.")
def feedback_command(paths: tuple[Path, ...], out_dir: Path, expected: tuple[Path, ...], today, no_pdf: bool,
                     open_password: str | None) -> None:
    """Write a feedback pack (HTML and PDF) for each service that returned, from PATHS, and a manifest."""
    from .collect import collect
    from .feedback import write_feedback_for

    _count_inputs(paths)
    try:
        collection = collect(paths, expected=list(expected) or None, today=today.date() if today else None,
                             password=open_password)
        bar = _progress(len(collection.heads), "feedback")
        manifest = write_feedback_for(collection, out_dir, pdf=not no_pdf, progress=bar.update if bar else None)
        if bar:
            bar.close()
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or ''}: {exc.strerror}") from None
    kinds = "HTML" if no_pdf else "HTML and PDF"
    click.echo(f"wrote {plural(len(collection.heads), 'feedback pack')} ({kinds}) in {out_dir}; manifest: {manifest}")


def _add_to_store(path: Path, collection, round_name: str | None, expected: tuple[Path, ...]) -> None:
    from .store import Store

    try:
        with Store(path) as store:
            added = store.add(collection, round=round_name, manifests=expected)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    rounds = ", ".join(added.rounds) or "no round"
    click.echo(f"store {path}: {added.files} files added ({added.responses} returns, round {rounds}); "
               f"{added.known} already held")


@main.command("report", epilog=_epilog(
    "maturity-xl report --store programme.db --round 2027 --compare 2026 -o report.xlsx --html report.html",
    "  0  the reports of the round were written",
    "  1  the store is not a programme store, is newer than this version, or has no such round; or a report could\n"
    "     not be written"))
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The programme store to report from.")
@click.option("--round", "round_name", default=None, help="The round to report (default: the latest).")
@click.option("--compare", default=None, help="The round to show change since (default: the one before).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT / "report.xlsx",
              show_default=True, help="The consolidated workbook to write.")
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), help="Also write an HTML report here.")
@click.option("--csv-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also export the tidy tables as CSV, with changes.csv and statement_changes.csv.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date overdue actions are judged "
              "against (default: today).")
def report_command(store: Path, round_name: str | None, compare: str | None, output: Path, html: Path | None,
                   csv_dir: Path | None, today) -> None:
    """Write the reports of one round from a programme store, without opening any workbook."""
    from .store import Store
    from .store.reporting import write_reports

    try:
        with Store(store, create=False) as opened:
            written = write_reports(opened, output, html=html, csv_dir=csv_dir, round=round_name, compare=compare,
                                    today=today.date() if today else None)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the report {exc.filename or ''}: {exc.strerror}") from None
    since = f" compared with {written.compare.name}" if written.compare else ""
    click.echo(f"round {written.round.name}{since}: {written.responses} returns; wrote "
               + ", ".join(str(p) for p in written.paths if p.suffix != ".csv")
               + (f", CSVs in {csv_dir}" if csv_dir else ""))


@main.command("export", epilog=_epilog(
    "maturity-xl export --store programme.db --sql postgresql+psycopg://analyst@dbhost/maturity",
    "  0  every table was written, in one transaction",
    "  1  the store cannot be read, or the database refused (nothing was written there)"))
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The programme store to export.")
@click.option("--sql", "url", required=True, help="An SQLAlchemy database URL, e.g. "
              "postgresql+psycopg://user@host/db or sqlite:///analysis.db (its tables are replaced).")
def export_command(store: Path, url: str) -> None:
    """Write the store's tidy tables (rounds, services, responses, ratings, actions, file_log) to a database."""
    from .store import Store
    from .store.export import export

    try:
        with Store(store, create=False) as opened:
            counts = export(opened, url)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("exported " + ", ".join(f"{table} ({n} rows)" for table, n in counts.items()))


@main.command("rounds", epilog=_epilog(
    "maturity-xl rounds --store programme.db --open 2027",
    "  0  the rounds were listed (and the one named opened or closed)",
    "  1  the store cannot be read, or the round cannot be opened or closed as asked"))
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The programme store.")
@click.option("--open", "open_name", default=None, help="Open a new round of this name.")
@click.option("--close", "close_name", default=None, help="Close this round: no more returns are added to it.")
@click.option("--break-lock", is_flag=True, help="Free the store from a collection that stopped on another "
              "computer without finishing.")
def rounds_command(store: Path, open_name: str | None, close_name: str | None, break_lock: bool) -> None:
    """List a programme store's rounds (and open or close one)."""
    from .store import Store

    try:
        with Store(store, create=open_name is not None) as opened:
            if break_lock:
                held = opened.break_lock()
                click.echo(f"freed the store from process {held[0]} on {held[1]}" if held else "the store was free")
            if open_name:
                opened.open_round(open_name)
            if close_name:
                opened.close_round(close_name)
            counts = dict(opened.query("SELECT round_id, COUNT(*) FROM counted GROUP BY round_id"))
            for item in opened.rounds():
                state = f"closed {item.closed}" if item.closed else "open"
                click.echo(f"{item.name:<16} opened {item.opened}  {state:<32} {counts.get(item.id, 0)} returns")
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None


@main.command(epilog=_epilog("maturity-xl demo --out-dir /tmp/demo", "  0  the demo ran and wrote its files",
                             "  1  a file could not be written"))
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True)
def demo(out_dir: Path) -> None:
    """The whole job on the embedded example: generate, simulate returns, collect, report."""
    from .demo import run_demo

    for line in run_demo(out_dir):
        click.echo(line)


if __name__ == "__main__":
    main()
