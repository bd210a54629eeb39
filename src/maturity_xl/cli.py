"""The `maturity-xl` command: a thin click layer over the library.

Domain errors become ClickException (exit 1) with a plain message; usage errors exit 2 (click's own).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import MaturityXLError, SpecError
from .spec import bundled_frameworks, load_framework, load_spec

DEFAULT_OUT = Path("output")


def _framework(name: str):
    try:
        return load_framework(name)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None


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


@main.command()
def frameworks() -> None:
    """List the bundled frameworks, one line each."""
    try:
        items = bundled_frameworks()
    except SpecError as exc:
        raise click.ClickException(str(exc)) from None
    for fw in items:
        click.echo(f"{fw.id:<26} {fw.version:<6} {len(fw.areas):>2} {fw.terms.area.lower()}s "
                   f"{len(fw.statements):>3} {fw.terms.statement.lower()}s  {fw.title}")


@main.command("check-spec")
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


@main.command()
@click.argument("framework")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the workbook (default: output/FRAMEWORK.xlsx).")
@click.option("--service", "service_name", default="", help="The service's name, stamped into the workbook.")
@click.option("--service-id", default="", help="The service's id, recorded in the workbook's metadata.")
@click.option("--services", "services_csv", type=click.Path(path_type=Path, dir_okay=False),
              help="A CSV of services (id, name, optional contact): one workbook per row.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the per-service workbooks and manifest.csv (with --services).")
@click.option("--password", default=None, help="Optional password for sheet and workbook protection.")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Sign each workbook's identity with this key file, so `collect --key` can check returns.")
def generate(framework: str, output: Path | None, service_name: str, service_id: str, services_csv: Path | None,
             out_dir: Path | None, password: str | None, key_file: Path | None) -> None:
    """Generate the assessment workbook for FRAMEWORK (an id, or the path of a spec file)."""
    from .batch import generate_batch, read_services
    from .generate import Service
    from .generate import generate as write
    from .sign import load_key, signature

    fw = _framework(framework)
    try:
        key = load_key(key_file) if key_file else None
        if services_csv:
            if output:
                raise click.UsageError("use --out-dir, not -o, with --services")
            services = read_services(services_csv)
            folder = out_dir or DEFAULT_OUT / fw.id
            bar = _progress(len(services), fw.id)
            manifest = generate_batch(fw, services, folder, password=password, key=key,
                                      progress=bar.update if bar else None)
            if bar:
                bar.close()
            click.echo(f"{len(services)} workbooks for {fw.id} {fw.version} in {folder}; manifest: {manifest}")
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
    """Read one returned workbook FILE; exit 1 if it was rejected."""
    import json

    from .parse import parse

    if not file.exists():
        raise click.UsageError(f"{file} does not exist")
    response = parse(file)
    if as_json:
        click.echo(json.dumps(response.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_summary(response))
    if response.rejected:
        sys.exit(1)


def _summary(response) -> str:
    lines = [f"{response.file}: {response.status}"]
    if response.framework_id:
        lines.append(f"  framework  {response.framework_id} {response.framework_version}")
        lines.append(f"  service    {response.service_name or '-'} ({response.service_id or 'no id'})")
        who = ", ".join(f"{k}: {v}" for k, v in response.respondent.items() if v)
        lines.append(f"  respondent {who or '-'}")
        for area, score in response.scores().items():
            mean = f"{score.mean:.2f}" if score.mean is not None else "-"
            lines.append(f"  {area:<28} {score.rated:>3}/{score.total:<3} rated, mean {mean}")
        lines.append(f"  actions    {len(response.actions)}")
    for problem in response.problems:
        lines.append(f"  {problem}")
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


@main.command("collect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_OUT / "report.xlsx",
              show_default=True, help="The consolidated workbook to write.")
@click.option("--html", type=click.Path(path_type=Path, dir_okay=False), help="Also write an HTML report here.")
@click.option("--expected", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A manifest.csv from the mail-merge (repeatable): lists who has not returned.")
@click.option("--csv-dir", type=click.Path(path_type=Path, file_okay=False), help="Also export the tidy tables as CSV.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date overdue actions are judged "
              "against (default: today).")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="The key the workbooks were generated with: flags returns whose identity was altered or copied.")
@click.option("--open-password", default=None, help="The password agreed with services, to open encrypted returns.")
@click.option("--store", type=click.Path(path_type=Path, dir_okay=False), callback=_checked_store,
              help="Also add the returns to this programme store (an SQLite file; created if new).")
@click.option("--round", "round_name", default=None, help="With --store: the round these returns belong to "
              "(opened if new), for workbooks that do not name theirs.")
def collect_command(paths: tuple[Path, ...], output: Path, html: Path | None, expected: tuple[Path, ...],
                    csv_dir: Path | None, today, key_file: Path | None, open_password: str | None,
                    store: Path | None, round_name: str | None) -> None:
    """Collect returned workbooks from PATHS (files, folders, .zip archives) into consolidated reports."""
    from .collect import collect, discover
    from .sign import load_key

    total = sum(1 for _ in discover(paths))
    bar = _progress(total, "collecting")
    try:
        key = load_key(key_file) if key_file else None
        collection = collect(paths, expected=list(expected) or None, today=today.date() if today else None,
                             progress=bar.update if bar else None, key=key, password=open_password)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar:
            bar.close()
    if store:
        _add_to_store(store, collection, round_name, expected)
    _write_reports(collection, output, html, csv_dir)
    counts = collection.counts()
    click.echo(f"{len(collection.log)} files: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    if collection.expected is not None:
        click.echo(f"{len(collection.missing)} expected returns missing, "
                   f"{len(collection.unexpected)} from services not in the manifest")
    click.echo(f"wrote {output}" + (f", {html}" if html else "") + (f", CSVs in {csv_dir}" if csv_dir else ""))


def _write_reports(collection, output: Path, html: Path | None, csv_dir: Path | None) -> None:
    from .report import write_csvs, write_html, write_workbook

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_workbook(collection, output)
        if html:
            html.parent.mkdir(parents=True, exist_ok=True)
            write_html(collection, html)
        if csv_dir:
            write_csvs(collection, csv_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot write the report {exc.filename or ''}: {exc.strerror}") from None


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


@main.command("report")
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


@main.command("export")
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


@main.command("rounds")
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


@main.command()
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True)
def demo(out_dir: Path) -> None:
    """The whole job on the embedded example: generate, simulate returns, collect, report."""
    from .demo import run_demo

    for line in run_demo(out_dir):
        click.echo(line)


if __name__ == "__main__":
    main()
