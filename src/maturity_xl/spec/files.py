"""Spec files: a bounded, safe read of the YAML (no alias bombs, no key given twice), and the bundled specs."""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import re
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SpecError, SpecProblem, UnknownFramework
from ..model import Framework
from ..safeio import FileRefused, read_regular
from .validate import parse_spec

if TYPE_CHECKING:
    import yaml

CACHE_ENV = "MATURITY_XL_CACHE"
"""The folder the bundled specs are kept in once read (see _cached), or "off" for none; default
$XDG_CACHE_HOME/maturity-xl, or ~/.cache/maturity-xl."""


SPEC_LIMIT = 5 * 1024 * 1024  # the largest bundled spec is ~60 KB
NODE_LIMIT = 100_000  # values in the spec once every alias is expanded; the bundled specs have a few thousand
# Levels of nesting a spec may have (the bundled specs have 6). Our own limit, so a deep document is refused the same
# way whichever PyYAML is installed: libyaml 0.2.5 (PyYAML 6.0.4's wheels) stops at 1,000 levels as a syntax error,
# older wheels go on until Python's recursion limit.
DEPTH_LIMIT = 64


def load_spec(path: str | Path) -> Framework:
    """Read one spec file; raise SpecError naming the file and every problem in it.

    The file must be a regular file of at most SPEC_LIMIT bytes (a FIFO or a device is refused, not read for
    ever). Aliases are allowed only while the document they expand to stays under NODE_LIMIT values (an alias
    bomb is refused before it is built), and a key given twice in one mapping is a problem, not a silent choice.
    """
    path = Path(path)
    try:
        text = read_regular(path, SPEC_LIMIT, what="the spec").decode("utf-8")
    except FileRefused as exc:
        if exc.errno == errno.ENOENT:
            raise SpecError(str(path), [SpecProblem("no-file", "", "the file does not exist")]) from None
        raise SpecError(str(path), [SpecProblem("unreadable", "", f"the file cannot be read: {exc.strerror}")]) \
            from None
    except UnicodeDecodeError as exc:
        raise SpecError(str(path), [SpecProblem("unreadable", "", f"the file cannot be read as UTF-8 text ({exc})")]) \
            from None
    import yaml  # here, not at import: a run whose bundled specs are cached (_cached) never loads PyYAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        problems = _tree_problems(node)
        if problems:
            raise SpecError(str(path), problems)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(str(path), [SpecProblem("yaml-syntax", where, f"this is not valid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    return parse_spec(data, str(path))


def _tree_problems(root: yaml.Node | None) -> list[SpecProblem]:
    """Duplicate keys (with their paths) and aliases that expand past NODE_LIMIT, found on the composed tree, where
    an alias is one shared node: its expanded size is counted without expanding it."""
    import yaml

    if root is None:
        return []
    problems: list[SpecProblem] = []
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def walk(node: yaml.Node, path: str, depth: int = 0) -> int:
        if depth > DEPTH_LIMIT:
            raise RecursionError  # reported as too-deep, below
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        if ident in open_:
            raise _Expansion("an alias refers to a value that contains itself")
        open_.add(ident)
        size = 1
        if isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                size += walk(child, f"{path}[{index}]", depth + 1)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else ""
                where = f"{path}.{name}" if path else name
                if isinstance(key, yaml.ScalarNode) and name != "<<":
                    if name in seen:
                        problems.append(SpecProblem("duplicate-key", where, f"'{name}' is given twice in this "
                                                    f"mapping (lines {seen[name]} and {key.start_mark.line + 1}); "
                                                    f"keep one"))
                    seen.setdefault(name, key.start_mark.line + 1)
                size += walk(key, where, depth + 1) + walk(value, where, depth + 1)
        open_.discard(ident)
        sizes[ident] = size
        if size > NODE_LIMIT:
            raise _Expansion(f"aliases expand the document past {NODE_LIMIT:,} values")
        return size

    try:
        walk(root, "")
    except _Expansion as exc:
        return [SpecProblem("alias-expansion", "", f"{exc}; a spec needs no such thing (write the values out)")]
    except RecursionError:
        return [SpecProblem("too-deep", "", "the document is nested too deeply to be a spec")]
    return problems


class _Expansion(Exception):
    pass


def specs_dir() -> Path:
    """The folder of bundled specs: inside the installed package, or the repository's own when run from source.

    Found beside this module, where the wheel puts them: importlib.resources says the same for a package on disk,
    after 45 ms of importing it at every start."""
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "framework_specs"
    if packaged.is_dir():
        return packaged
    return here.parents[3] / "framework_specs"


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", version))


def bundled_frameworks(include_archive: bool = False) -> list[Framework]:
    """Every bundled framework, latest versions first by id; older versions too when asked."""
    folder = specs_dir()
    current = sorted(folder.glob("*.yaml"))
    everything = current + sorted((folder / "archive").glob("*.yaml"))  # one cache for both
    try:
        frameworks = _cached(everything)
    except SpecError:  # a broken archived spec stops only those who ask for the archive, as it did
        if include_archive:
            raise
        return [load_spec(f) for f in current]
    return frameworks if include_archive else frameworks[:len(current)]


_CACHE_FORMAT = b"maturity-xl bundled specs 1"
_CACHE_KEPT = 3600  # seconds: a cache file of other specs, or other code, is removed once this old
# What turns a spec's text into a Framework: a change to any of them is a change to what a cache would hold.
_MAKERS = ("model", "spec.validate", "spec.checker", "spec.files")


def _cached(files: list[Path]) -> list[Framework]:
    """load_spec of each of `files`, kept in a cache file once read: reading and checking the YAML of the bundled
    specs took 45 ms of every `collect`'s start (and 15 ms of importing PyYAML), with one core idle until the
    workers are started; the cache is read in 3.

    The cache file is named by a digest of everything the frameworks are made from: each spec file's name and
    bytes (read, bounded, at every start), the code that reads them (_MAKERS' sources) and Python's version, so
    an edited spec or a new release is read afresh, never served stale. It is only trusted when it is a regular
    file of this user's that no one else may write (pickle would run whatever a planted file says), in a folder
    only this user may write; else, or when it cannot be read or written, or CACHE_ENV is "off", the specs are
    read as before. A spec with problems raises SpecError as before (nothing is cached then)."""
    folder = _cache_dir()
    if folder is None:
        return [load_spec(f) for f in files]
    try:
        digest = hashlib.sha256(_CACHE_FORMAT + sys.version.encode())
        for name in _MAKERS:
            source = sys.modules[f"{__package__.rpartition('.')[0]}.{name}"].__file__
            digest.update(Path(source).read_bytes() if source else b"")  # type: ignore[arg-type]
        digest.update(_yaml_stamp())
        for path in files:
            data = read_regular(path, SPEC_LIMIT, what="the spec")
            digest.update(f"\0{path}\0{len(data)}\0".encode("utf-8", "surrogateescape") + data)
    except (OSError, KeyError, ValueError, ImportError):  # FileRefused is an OSError: load_spec says what is wrong
        return [load_spec(f) for f in files]
    cache = folder / f"specs-{digest.hexdigest()[:32]}.pickle"
    found = _read_cache(cache)
    if found is not None and len(found) == len(files) and all(isinstance(f, Framework) for f in found):
        return found
    frameworks = [load_spec(f) for f in files]
    _write_cache(folder, cache, frameworks)
    return frameworks


def _yaml_stamp() -> bytes:
    """Which PyYAML is installed (where, its size and time), without importing it."""
    import importlib.util

    found = importlib.util.find_spec("yaml")
    origin = found.origin if found is not None else None
    if not origin:
        return b"no yaml"
    info = os.stat(origin)
    return f"{origin}\0{info.st_size}\0{info.st_mtime_ns}".encode("utf-8", "surrogateescape")


def _cache_dir() -> Path | None:
    """The cache folder (CACHE_ENV), made if need be; None when caching is off or the folder cannot be trusted."""
    given = os.environ.get(CACHE_ENV)
    if given is not None and given.strip().lower() in ("off", "0", "no", "none", ""):
        return None
    try:
        if given:
            if not os.path.isabs(given):  # not a folder that moves with the current one
                return None
            folder = Path(given)
        else:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            if not os.path.isabs(base):
                return None
            folder = Path(base) / "maturity-xl"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if _ours(os.stat(folder)) else None
    except (OSError, ValueError, RuntimeError):
        return None


def _ours(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (always true where there are no owners: Windows)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or (info.st_uid == getuid() and not info.st_mode & 0o022)


def _read_cache(cache: Path) -> list[Framework] | None:
    try:
        fd = os.open(cache, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not (stat.S_ISREG(info.st_mode) and _ours(info)) or info.st_size > SPEC_LIMIT * 4:
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            found = pickle.load(stream)
        return found if isinstance(found, list) else None
    except Exception:  # a cache file cut short or from elsewhere: read the specs instead, and write it again
        return None
    finally:
        os.close(fd)


def _write_cache(folder: Path, cache: Path, frameworks: list[Framework]) -> None:
    """Write the cache file whole (a temporary file renamed over it), and remove the ones it replaces."""
    try:
        data = pickle.dumps(frameworks, protocol=pickle.HIGHEST_PROTOCOL)
        fd, temporary = tempfile.mkstemp(prefix=".specs-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            os.replace(temporary, cache)
        except BaseException:
            os.unlink(temporary)
            raise
        # Another's from over an hour ago is stale; a recent one may be another installation's (or another
        # checkout's) in use now, which removing would make each read the specs afresh at every start.
        for old in folder.glob("specs-*.pickle"):
            if old.name != cache.name and old.stat().st_mtime < time.time() - _CACHE_KEPT:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        pass


def load_framework(name: str | Path, version: str | None = None) -> Framework:
    """A framework by id (optionally a given version, searching the archive) or by the path of a spec file."""
    as_path = Path(name)
    if as_path.suffix.lower() in (".yaml", ".yml") or as_path.exists():
        return load_spec(as_path)
    folder = specs_dir()
    candidates = [folder / f"{name}.yaml"]
    if version is not None:
        candidates += sorted((folder / "archive").glob(f"{name}*.yaml"))
    for path in candidates:
        if path.exists():
            fw = load_spec(path)
            if fw.id == name and (version is None or fw.version == version):
                return fw
    known = ", ".join(sorted({f.stem for f in folder.glob("*.yaml")}))
    wanted = f"'{name}'" + (f" version {version}" if version else "")
    raise UnknownFramework(f"there is no framework {wanted}; the bundled ones are: {known} "
                           f"(or give the path of a spec file)")
