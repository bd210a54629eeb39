"""The `maturity-xl` command: a thin click layer over the library.

Domain errors become ClickException (exit 1) with a plain message; usage errors exit 2 (click's own).
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
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
def generate(framework: str, output: Path | None, service_name: str, service_id: str, services_csv: Path | None,
             out_dir: Path | None, password: str | None) -> None:
    """Generate the assessment workbook for FRAMEWORK (an id, or the path of a spec file)."""
    from .batch import generate_batch, read_services
    from .generate import Service, generate as write

    fw = _framework(framework)
    try:
        if services_csv:
            if output:
                raise click.UsageError("use --out-dir, not -o, with --services")
            services = read_services(services_csv)
            folder = out_dir or DEFAULT_OUT / fw.id
            bar = _progress(len(services), fw.id)
            manifest = generate_batch(fw, services, folder, password=password,
                                      progress=bar.update if bar else None)
            if bar:
                bar.close()
            click.echo(f"{len(services)} workbooks for {fw.id} {fw.version} in {folder}; manifest: {manifest}")
            return
        if out_dir:
            raise click.UsageError("--out-dir goes with --services; use -o for one workbook")
        target = output or DEFAULT_OUT / f"{fw.id}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        write(fw, target, service=Service(service_id, service_name), password=password)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or ''}: {exc.strerror}") from None
    click.echo(f"wrote {target} ({fw.id} {fw.version}, {len(fw.statements)} {fw.terms.statement.lower()}s)")


@main.command()
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True)
def demo(out_dir: Path) -> None:
    """Run the whole job on the embedded example: every framework's workbook and a mail-merge."""
    from importlib import resources

    from .batch import generate_batch, read_services
    from .generate import generate as write

    services_file = Path(str(resources.files("maturity_xl") / "examples" / "services.csv"))
    services = read_services(services_file)
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    for fw in bundled_frameworks():
        blank = out_dir / f"{fw.id}.xlsx"
        out_dir.mkdir(parents=True, exist_ok=True)
        write(fw, blank, generated_at=stamp)
        folder = out_dir / "mailmerge" / fw.id
        bar = _progress(len(services), fw.id)
        manifest = generate_batch(fw, services, folder, generated_at=stamp, progress=bar.update if bar else None)
        if bar:
            bar.close()
        click.echo(f"{fw.id:<24} {blank}  + {len(services)} personalised workbooks in {folder} ({manifest.name})")


if __name__ == "__main__":
    main()
