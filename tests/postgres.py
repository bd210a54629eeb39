"""A throw-away PostgreSQL server for the tests: `initdb` in a temporary folder, a free port on localhost, stopped
at the end. Uses Debian's `postgresql` package (scripts/test.sh installs it); skips, saying why, where it is
missing. PostgreSQL refuses to run as root, so as root the server runs as the unprivileged user `nobody`.

    from postgres import postgres_url  # noqa: F401  (a session fixture: the server's SQLAlchemy URL)
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

UNPRIVILEGED = "nobody"


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian keeps them off PATH, under /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL will not run as root and `runuser` (util-linux) is missing to run it as nobody")
    return [runuser, "-u", UNPRIVILEGED, "--", *command]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An SQLAlchemy URL of an empty PostgreSQL database on a server started for this test session."""
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed (pip install 'psycopg[binary]')")
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian's `postgresql` package; scripts/test.sh installs it)")
    folder = Path(tempfile.mkdtemp(prefix="mxl-postgres-"))  # under /tmp, where `nobody` can reach it
    data = folder / "data"
    data.mkdir()
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam(UNPRIVILEGED)
        for path in (folder, data):
            os.chown(path, user.pw_uid, user.pw_gid)
    folder.chmod(0o755)
    port = _free_port()
    log = folder / "server.log"
    try:
        subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                        "-E", "UTF8", "--no-sync", "--locale", "C"]),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                                        "-o", f"-p {port} -h 127.0.0.1 -k {folder} -F", "start"]),
                       check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL is installed but would not start: {exc} {detail.decode(errors='replace')}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
