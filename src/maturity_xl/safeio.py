"""Reading a file the user named, without hanging or reading for ever.

`Path.read_bytes()` blocks on a named pipe (FIFO) until something writes to it, and reads `/dev/zero` until memory
runs out. Every file maturity-xl reads from a path it was given goes through `read_regular`: it opens without
blocking, refuses anything that is not a regular file (a FIFO, a device, a socket, a folder), and reads at most
`limit` bytes. The error is an OSError (so callers that already report unreadable files report these too) whose
`strerror` says in plain words what the path is.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import MaturityXLError

DEFAULT_LIMIT = 50 * 1024 * 1024  # a returned workbook is ~50 KB, a spec or manifest far less
_CHUNK = 1024 * 1024

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO), not a file: reading it would wait for ever"),
          (stat.S_ISCHR, "a device, not a file"),
          (stat.S_ISBLK, "a device, not a file"),
          (stat.S_ISSOCK, "a socket, not a file"),
          (stat.S_ISDIR, "a folder, not a file"))


class FileRefused(MaturityXLError, OSError):
    """A path that is not a regular file, is too large, or cannot be opened; `strerror` says which."""

    def __init__(self, path: str | os.PathLike | bytes, reason: str, code: int = errno.EINVAL):
        OSError.__init__(self, code, reason, os.fsdecode(path) if isinstance(path, bytes) else str(path))

    def __str__(self) -> str:
        return f"{shown(self.filename)}: {self.strerror}"


def shown(name: str, limit: int = 200) -> str:
    """A path short enough to read in a message (paths can be 4,096 bytes and more)."""
    return name if len(name) <= limit else f"{name[:limit // 2]}...{name[-limit // 2:]}"


def kind_of(mode: int) -> str | None:
    """Why a file of this st_mode cannot be read as a file, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((reason for test, reason in _KINDS if test(mode)), "not a regular file")


def describe_os_error(exc: OSError, what: str = "the file") -> str:
    """A plain sentence for an OSError met while opening `what`."""
    code = exc.errno
    if code == errno.ENAMETOOLONG:
        return f"{what}'s path is too long for this system (over {os.pathconf('/', 'PC_PATH_MAX')} bytes)"
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied: this account may not read {what}"
    if code == errno.ENOENT:
        return f"{what} does not exist (it may have been moved or deleted while it was being read)"
    if code == errno.ELOOP:
        return f"{what} is a symbolic link that leads round in a loop"
    return f"{what} cannot be opened ({exc.strerror or exc})"


def read_regular(path: str | os.PathLike, limit: int = DEFAULT_LIMIT, what: str = "the file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises:
        FileRefused: the path is not a regular file, holds more than `limit` bytes, or cannot be opened.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileRefused:
        raise
    except OSError as exc:
        if os.path.isdir(path):
            raise FileRefused(path, _folder_reason(path), exc.errno or errno.EIO) from None
        raise FileRefused(path, describe_os_error(exc, what), exc.errno or errno.EIO) from None
    try:
        info = os.fstat(fd)
        refused = kind_of(info.st_mode)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused(path, _folder_reason(path))
        if refused:
            raise FileRefused(path, f"this is {refused}")
        if info.st_size > limit:
            raise FileRefused(path, f"{what} is {info.st_size:,} bytes, more than the {limit:,} allowed", errno.EFBIG)
        chunks, total = [], 0
        # The size can change while we read: count what really arrives. The first read asks for the size fstat
        # gave and one byte more (so a file that did not change is read in two calls, into a buffer of its own
        # size, not one of _CHUNK bytes shrunk afterwards); later ones for up to _CHUNK.
        want = min(info.st_size + 1, _CHUNK)
        while True:
            chunk = os.read(fd, min(want, limit + 1 - total))
            want = _CHUNK
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileRefused(path, f"{what} grew past the {limit:,} bytes allowed while it was read", errno.EFBIG)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except FileRefused:
        raise
    except OSError as exc:
        raise FileRefused(path, describe_os_error(exc, what), exc.errno or errno.EIO) from None
    finally:
        os.close(fd)


def _folder_reason(path: str | os.PathLike) -> str:
    if os.path.islink(path):
        return "a link to a folder; links to folders are not followed: name the folder itself"
    try:
        os.listdir(path)
    except OSError as exc:
        return (f"a folder that cannot be opened ({describe_os_error(exc, 'it')}): any returns in it were "
                f"not read")
    return "a folder, not a file"


def read_text(path: str | os.PathLike, limit: int = DEFAULT_LIMIT, encoding: str = "utf-8",
              what: str = "the file") -> str:
    """`read_regular`, decoded (UnicodeDecodeError is the caller's to explain)."""
    return read_regular(path, limit, what).decode(encoding)


def is_regular(path: Path) -> bool:
    """True for a regular file (following a link); False for anything else or a path that cannot be examined."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


__all__ = ["DEFAULT_LIMIT", "FileRefused", "describe_os_error", "is_regular", "kind_of", "read_regular", "read_text"]
