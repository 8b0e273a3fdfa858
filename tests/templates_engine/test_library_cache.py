"""The parsed template library kept on disk (``library_cache``): read back only while it is
exactly what parsing the files would give."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from templates_engine import library, library_cache
from templates_engine.library import load_library

from .test_template_files import GOOD, write


@pytest.fixture
def parsed() -> tuple[list[Path], Callable[[Path], dict]]:
    """A parser that records every real parse of a library folder, and the record."""
    seen: list[Path] = []

    def parsing(directory: Path):
        seen.append(directory)
        return load_library(directory)

    return seen, parsing


def _load(folder: Path, cache: Path, parsed):
    _, parsing = parsed
    return library_cache.load_cached(folder, parsing, cache)


def test_a_second_process_reads_the_cache_instead_of_parsing(tmp_path: Path, parsed) -> None:
    lib, cache = tmp_path / "lib", tmp_path / "cache"
    write(lib, GOOD)
    first = _load(lib, cache, parsed)
    again = _load(lib, cache, parsed)

    assert len(parsed[0]) == 1  # parsed once; the second load came from the cache
    assert again == first and again is not first
    template = again["toys-feature-showcase"]
    assert template.name == "Test" and template.lengths == first["toys-feature-showcase"].lengths
    assert len(list(cache.glob("templates-*.pickle"))) == 1


def test_changing_a_template_file_is_seen_at_once(tmp_path: Path, parsed) -> None:
    lib, cache = tmp_path / "lib", tmp_path / "cache"
    path = write(lib, GOOD)
    assert _load(lib, cache, parsed)["toys-feature-showcase"].name == "Test"

    path.write_text(path.read_text().replace("name: Test", "name: Renamed"), encoding="utf-8")
    assert _load(lib, cache, parsed)["toys-feature-showcase"].name == "Renamed"
    assert len(parsed[0]) == 2
    assert len(list(cache.glob("templates-*.pickle"))) == 1  # the stale one is gone


def test_adding_a_template_file_is_seen_at_once(tmp_path: Path, parsed) -> None:
    lib, cache = tmp_path / "lib", tmp_path / "cache"
    write(lib, GOOD)
    _load(lib, cache, parsed)
    other = GOOD.replace("toys-feature-showcase", "pets-feature-showcase").replace(
        "vertical: toys", "vertical: pets"
    )
    write(lib, other, rel="pets/feature_showcase.yaml")
    assert set(_load(lib, cache, parsed)) == {"toys-feature-showcase", "pets-feature-showcase"}


def test_changing_the_checking_code_invalidates_it(tmp_path: Path, parsed, monkeypatch) -> None:
    lib, cache, code = tmp_path / "lib", tmp_path / "cache", tmp_path / "code"
    write(lib, GOOD)
    code.mkdir()
    (code / "definitions.py").write_text("RULE = 1\n")
    monkeypatch.setattr(library_cache, "PACKAGE_DIR", code)
    _load(lib, cache, parsed)
    (code / "definitions.py").write_text("RULE = 2\n")
    _load(lib, cache, parsed)
    assert len(parsed[0]) == 2


def test_a_cache_others_could_write_is_not_read(tmp_path: Path, parsed) -> None:
    lib, cache = tmp_path / "lib", tmp_path / "cache"
    write(lib, GOOD)
    _load(lib, cache, parsed)
    (pickle_file,) = cache.glob("templates-*.pickle")
    pickle_file.chmod(0o666)
    _load(lib, cache, parsed)
    assert len(parsed[0]) == 2


def test_a_damaged_cache_is_parsed_again(tmp_path: Path, parsed) -> None:
    lib, cache = tmp_path / "lib", tmp_path / "cache"
    write(lib, GOOD)
    _load(lib, cache, parsed)
    (pickle_file,) = cache.glob("templates-*.pickle")
    pickle_file.write_bytes(b"not a pickle")
    assert set(_load(lib, cache, parsed)) == {"toys-feature-showcase"}
    assert len(parsed[0]) == 2


def test_the_shipped_library_uses_the_configured_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHOPREEL_TEMPLATE_CACHE_DIR", str(tmp_path / "c"))
    assert library_cache.cache_dir() == tmp_path / "c"
    monkeypatch.setenv("SHOPREEL_TEMPLATE_CACHE_DIR", "")
    assert library_cache.cache_dir() is None  # switched off: parsed every time
    library.load_templates.cache_clear()
    try:
        monkeypatch.setenv("SHOPREEL_TEMPLATE_CACHE_DIR", str(tmp_path / "c"))
        fresh = library.load_templates()
        assert list((tmp_path / "c").glob("templates-*.pickle"))
        library.load_templates.cache_clear()
        assert library.load_templates() == fresh
    finally:
        library.load_templates.cache_clear()
