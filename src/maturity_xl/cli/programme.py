"""Commands about the programme store: report a round from it, export it to a database, list its rounds."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import MaturityXLError
from .common import DEFAULT_OUT, _epilog, main


def _checked_store(_ctx, _param, value: Path | None) -> Path | None:
    """Refuse a --store that is not a programme store before any return is read (only its header is read)."""
    if value is not None:
        from ..store import check_file

        try:
            exists = check_file(value)
        except MaturityXLError as exc:
            raise click.ClickException(str(exc)) from None
        if not exists and not value.parent.is_dir():
            raise click.ClickException(f"{value}: the folder {value.parent} does not exist")
    return value


def _add_to_store(path: Path, collection, round_name: str | None, expected: tuple[Path, ...]) -> None:
    from ..store import Store

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
              help="Also export the tidy tables as CSV, with changes.csv, statement_changes.csv and "
              "area_trend.csv.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="The date overdue actions are judged "
              "against (default: today).")
def report_command(store: Path, round_name: str | None, compare: str | None, output: Path, html: Path | None,
                   csv_dir: Path | None, today) -> None:
    """Write the reports of one round from a programme store, without opening any workbook."""
    from ..outputs import check_outputs, terminating_cleanly
    from ..store import Store
    from ..store.reporting import write_reports

    try:
        check_outputs({"-o": output, "--html": html, "--csv-dir": csv_dir}, [], stores=[store])  # never over the store
        with terminating_cleanly(), Store(store, create=False) as opened:
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
    if written.notes:
        raise click.ClickException("\n".join(written.notes))


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
    from ..store import Store
    from ..store.export import export

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
    from ..store import Store

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
