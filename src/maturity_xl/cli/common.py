"""What every command shares: the `maturity-xl` group, the end of each --help (an example and the exit codes),
passwords, keys, progress bars and the count of what a command was handed."""

from __future__ import annotations

import errno
import gc
import os
import sys
from pathlib import Path

import click

from ..errors import MaturityXLError
from ..spec import load_framework
from ..version import __version__

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
    from ..safeio import FileRefused, read_regular
    from ..sign import load_key

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
@click.pass_context
def main(ctx: click.Context) -> None:
    """Personalised-care maturity frameworks as protected Excel workbooks."""
    # When a command ends, every object it made is about to be freed as the interpreter exits, and CPython first
    # runs its cycle collector over all of them: with pandas loaded that was 0.3 s after `collect` had finished at
    # 1,000 returns, with nothing left to do. Frozen objects are skipped by that pass, and still freed (the
    # command's outputs were closed and committed before this runs).
    ctx.call_on_close(gc.freeze)


def _listed_inputs(paths: tuple[Path, ...]) -> list:
    """Every file the paths hold, as collect.discover lists them (collect(sources=...) reads them without listing
    the folders again); a missing path or an empty folder stops the run before any report is replaced (a run that
    read nothing must not look like one that read everything)."""
    from ..collect import discover
    from ..safeio import describe_os_error

    listed: list = []
    for path in paths:
        try:
            os.lstat(path)
        except OSError as exc:
            reason = ("no such file or folder" if exc.errno == errno.ENOENT
                      else describe_os_error(exc, "the path"))
            raise click.ClickException(f"{_short(path)}: {reason}; nothing was collected and no report was written") \
                from None
        found = list(discover([path]))
        if not found:
            raise click.ClickException(f"{_short(path)}: the folder is empty, there are no returns in it; nothing "
                                       f"was collected and no report was written")
        listed += found
    return listed


def _short(path: Path) -> str:
    from ..safeio import shown

    return shown(str(path))
