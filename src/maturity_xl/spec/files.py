"""Spec files: a bounded, safe read of the YAML (no alias bombs, no key given twice), and the bundled specs."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import yaml

from ..errors import SpecError, SpecProblem, UnknownFramework
from ..model import Framework
from ..safeio import FileRefused, read_regular
from .validate import parse_spec

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    loader = _YAML_LOADER(text)
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
    files = sorted(folder.glob("*.yaml"))
    if include_archive:
        files += sorted((folder / "archive").glob("*.yaml"))
    return [load_spec(f) for f in files]


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
