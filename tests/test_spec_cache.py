"""The bundled specs kept in a cache file once read (spec.files._cached): the same frameworks as reading them,
read afresh when a spec (or the code that reads them) changes, and never trusted when someone else could have
written the file; off when asked."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from maturity_xl.errors import SpecError
from maturity_xl.spec import files


@pytest.fixture
def specs(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled specs, read from there, with the cache in a folder of its own."""
    folder = tmp_path / "framework_specs"
    shutil.copytree(files.specs_dir(), folder)
    monkeypatch.setattr(files, "specs_dir", lambda: folder)
    monkeypatch.setenv(files.CACHE_ENV, str(tmp_path / "cache"))
    return folder


def _fresh(include_archive: bool = True):
    return [files.load_spec(f) for f in _paths(include_archive)]


def _paths(include_archive: bool = True) -> list[Path]:
    folder = files.specs_dir()
    return sorted(folder.glob("*.yaml")) + (sorted((folder / "archive").glob("*.yaml")) if include_archive else [])


def _cache_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("specs-*.pickle"))


def _without_reading(monkeypatch) -> list[Path]:
    """load_spec made to record what it is asked for; returns that record."""
    asked: list[Path] = []
    real = files.load_spec

    def load(path):
        asked.append(Path(path))
        return real(path)

    monkeypatch.setattr(files, "load_spec", load)
    return asked


def test_cached_frameworks_are_the_frameworks_read(specs, tmp_path, monkeypatch):
    expected = _fresh()
    first = files.bundled_frameworks(include_archive=True)
    assert len(_cache_files(tmp_path)) == 1
    asked = _without_reading(monkeypatch)
    again = files.bundled_frameworks(include_archive=True)
    current = files.bundled_frameworks()
    assert asked == []  # read from the cache, no spec parsed
    for got in (first, again):
        assert got == expected
        assert [f.path for f in got] == [f.path for f in expected]
        assert [f.fingerprint for f in got] == [f.fingerprint for f in expected]
    assert current == _fresh(include_archive=False) and len(current) < len(again)


def test_an_edited_spec_is_read_again(specs, tmp_path, monkeypatch):
    files.bundled_frameworks(include_archive=True)
    (before,) = _cache_files(tmp_path)
    spec = specs / "lincolnshire.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    asked = _without_reading(monkeypatch)
    got = {f.id: f for f in files.bundled_frameworks()}
    assert asked  # read, not served from the old cache
    assert got["lincolnshire"].title.startswith("Edited ")
    assert before in _cache_files(tmp_path) and len(_cache_files(tmp_path)) == 2  # a recent one may be in use
    spec.write_text(text, encoding="utf-8")  # back as it was: the first cache serves again
    again = files.bundled_frameworks(include_archive=True)
    assert len(asked) == 6 and again == _fresh()  # no spec read for it
    hour_ago = before.stat().st_mtime - files._CACHE_KEPT - 1
    for cache in _cache_files(tmp_path):
        os.utime(cache, (hour_ago, hour_ago))
    spec.write_text(text + "\n", encoding="utf-8")
    files.bundled_frameworks(include_archive=True)
    assert len(_cache_files(tmp_path)) == 1  # the stale ones are removed when another is written


def test_a_cache_file_others_could_write_is_not_trusted(specs, tmp_path, monkeypatch):
    if not hasattr(os, "getuid"):
        pytest.skip("no file owners here")
    files.bundled_frameworks(include_archive=True)
    (cache,) = _cache_files(tmp_path)
    cache.chmod(0o666)
    asked = _without_reading(monkeypatch)
    assert files.bundled_frameworks(include_archive=True) == _fresh()
    assert asked  # read from the specs, not unpickled from a file anyone could have planted


def test_a_cache_file_cut_short_is_read_again_and_rewritten(specs, tmp_path, monkeypatch):
    files.bundled_frameworks(include_archive=True)
    (cache,) = _cache_files(tmp_path)
    whole = cache.read_bytes()
    cache.write_bytes(whole[: len(whole) // 2])
    asked = _without_reading(monkeypatch)
    assert files.bundled_frameworks(include_archive=True) == _fresh()
    assert asked and cache.read_bytes() == whole


def test_off_writes_no_cache(specs, tmp_path, monkeypatch):
    monkeypatch.setenv(files.CACHE_ENV, "off")
    assert files.bundled_frameworks(include_archive=True) == _fresh()
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_folder_still_reads_the_specs(specs, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(files.CACHE_ENV, str(blocker / "cache"))
    assert files.bundled_frameworks(include_archive=True) == _fresh()


def test_a_broken_archived_spec_stops_only_who_asks_for_the_archive(specs, tmp_path):
    (specs / "archive" / "lincolnshire-1.0.yaml").write_text("id: [unclosed", encoding="utf-8")
    assert files.bundled_frameworks() == _fresh(include_archive=False)
    with pytest.raises(SpecError):
        files.bundled_frameworks(include_archive=True)
    assert _cache_files(tmp_path) == []


def test_a_cached_start_does_not_import_yaml(specs, tmp_path):
    """The point of the cache: a `collect` whose specs are cached loads no PyYAML before its workers start."""
    import subprocess

    files.bundled_frameworks(include_archive=True)
    src = Path(files.__file__).resolve().parents[2]
    code = ("import sys; from maturity_xl.spec import files; from pathlib import Path; "
            f"files.specs_dir = lambda: Path({str(specs)!r}); "
            "files.bundled_frameworks(include_archive=True); print('yaml' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
