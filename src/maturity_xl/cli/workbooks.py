"""Commands about frameworks and workbooks: list the frameworks, check a spec, generate workbooks, the demo."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import MaturityXLError, SpecError
from ..spec import bundled_frameworks, load_spec
from .common import (
    DEFAULT_OUT,
    PASSWORD_ENV,
    _epilog,
    _framework,
    _key,
    _password,
    _progress,
    main,
    plural,
)


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
    "maturity-xl generate lincolnshire --services services.csv --out-dir sent/2027 --round 2027 \\\n"
    "    --previous programme.db --previous-round 2026   # each service's answers last time beside this time's\n"
    f"{PASSWORD_ENV}=secret maturity-xl generate lincolnshire   # a password without putting it on the command line",
    "  0  the workbook(s) and, with --services, manifest.csv were written",
    "  1  nothing was written: the framework, the services CSV (each problem with its row) or the key is wrong,\n"
    "     the --previous store or round cannot be read, the output folder holds workbooks from an earlier run\n"
    "     (see --force), or a file cannot be written"))
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
@click.option("--round", "round_name", default="", help="The round these workbooks are for (e.g. 2027), written "
              "into each: `collect --store` files the returns under it.")
@click.option("--previous", "previous_store", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A programme store: each service that answered the previous round gets its rating and why "
                   "from then beside each statement (read-only, \"Last time\"), its open actions carried into "
                   "the action plan, and last time's means on the Summary; others get the plain workbook.")
@click.option("--previous-round", default=None, help="With --previous: the round to show (default: the store's "
                                                      "latest).")
def generate(framework: str, output: Path | None, service_name: str, service_id: str, services_csv: Path | None,
             out_dir: Path | None, password: str | None, ask_password: bool, key_file: Path | None,
             force: bool, round_name: str, previous_store: Path | None, previous_round: str | None) -> None:
    """Generate the assessment workbook for FRAMEWORK (an id, or the path of a spec file)."""
    from ..batch import generate_batch, read_services
    from ..generate import Service
    from ..previous import read_previous
    from ..sign import signature

    if previous_round is not None and previous_store is None:
        raise click.UsageError("--previous-round goes with --previous (the store to take last time's answers from)")
    password = _password(password, ask_password, "Protection password", confirm=True)
    fw = _framework(framework)
    round_name = round_name.strip()
    try:
        key = _key(key_file)
        previous = read_previous(previous_store, fw, previous_round) if previous_store else None
        if services_csv:
            if output:
                raise click.UsageError("use --out-dir, not -o, with --services")
            services = read_services(services_csv)
            folder = out_dir or DEFAULT_OUT / fw.id
            bar = _progress(len(services), fw.id)
            try:
                manifest = generate_batch(fw, services, folder, password=password, key=key, force=force,
                                          progress=bar.update if bar else None, round=round_name,
                                          previous=previous)
            finally:
                if bar:
                    bar.close()
            click.echo(f"{plural(len(services), 'workbook')} for {fw.id} {fw.version} in {folder}; "
                       f"manifest: {manifest}")
            if previous is not None:
                shown = sum(previous.get(s.id) is not None for s in services)
                click.echo(f"{plural(shown, 'workbook')} with last time's answers (round {previous.round}); "
                           f"{len(previous.removed)} statement(s) answered then are not in {fw.version}")
            return
        if out_dir:
            raise click.UsageError("--out-dir goes with --services; use -o for one workbook")
        target = output or DEFAULT_OUT / f"{fw.id}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        if key and not service_id:
            raise click.UsageError("--key signs a service's identity: give --service-id too")
        stamp = signature(key, service_id, fw.id, fw.version, fw.fingerprint) if key else ""
        _write_one(fw, target, Service(service_id, service_name), password, stamp, round_name, previous)
    except MaturityXLError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or ''}: {exc.strerror}") from None
    click.echo(f"wrote {target} ({fw.id} {fw.version}, {len(fw.statements)} {fw.terms.statement.lower()}s)")


def _write_one(fw, target: Path, service, password: str | None, stamp: str, round_name: str, previous) -> None:
    """One workbook: with last time's answers when `previous` holds the service's, else the plain one."""
    from ..batch import Template
    from ..generate import generate as write
    from ..previous import cells

    last = previous.get(service.id) if previous is not None and service.id else None
    if last is None:
        write(fw, target, service=service, password=password, signature=stamp, round=round_name)
        return
    if not service.name:
        raise click.UsageError("a workbook with last time's answers needs the service's name: give --service")
    template = Template(fw, password=password, round=round_name, last_round=previous.round,
                        removed=previous.removed)
    target.write_bytes(template.personalise(service, stamp, cells(template.layout, last, previous.round)))


@main.command(epilog=_epilog("maturity-xl demo --out-dir /tmp/demo", "  0  the demo ran and wrote its files",
                             "  1  a file could not be written"))
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT, show_default=True)
def demo(out_dir: Path) -> None:
    """The whole job on the embedded example: generate, simulate returns, collect, report."""
    from ..demo import run_demo

    for line in run_demo(out_dir):
        click.echo(line)
