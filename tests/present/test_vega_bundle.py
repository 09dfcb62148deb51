"""Is Vega's JavaScript built once per vl-convert version, kept in the user's cache,
written so that two reports at once are safe, and never where it cannot or must not be?"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import vl_convert

from widgets.present import vega_bundle
from widgets.present.vega_bundle import CACHE_ENV, cache_dir, cache_path, javascript_bundle

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "widgets"
#: A stand-in for vl-convert's 0.9 MB bundle, shaped like it (it ends the same way).
FAKE = "const a=1;if(x</script>y)z();window.vegaEmbed=e;window.vega=v;window.vegaLite=l;"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own, and no bundle kept in memory."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    javascript_bundle.cache_clear()
    yield folder
    javascript_bundle.cache_clear()


@pytest.fixture
def builds(monkeypatch):
    """Count vl-convert builds, and make each one instant (a fake bundle)."""
    calls = []

    def build(snippet=None, vl_version=None):
        calls.append(snippet)
        return FAKE

    monkeypatch.setattr(vl_convert, "javascript_bundle", build)
    return calls


def test_the_real_bundle_is_cached_and_read_back_unchanged(cache):
    """Is the bundle vl-convert builds what is cached, and what a later process reads?"""
    built = javascript_bundle()
    path = cache_path()
    assert path.parent == cache
    assert vl_convert.__version__ in path.name
    stored = path.read_text(encoding="utf-8")
    assert stored == vl_convert.javascript_bundle()
    assert "window.vegaEmbed=" in built
    assert "</script" not in built.lower()  # safe inside <script>...</script>
    # a fresh process reads it back (a full build takes over a second; reading, far less)
    code = "from widgets.present.vega_bundle import javascript_bundle as b; print(len(b()))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(done.stdout) == len(built)


def test_built_once_then_read_from_the_cache(cache, builds):
    """Is vl-convert asked once, and later calls (a new process: no memory) read the file?"""
    first = javascript_bundle()
    javascript_bundle.cache_clear()
    second = javascript_bundle()
    assert first == second
    assert builds == [None]
    assert r"<\/script>" in first and "</script>" not in first
    assert cache_path().read_text(encoding="utf-8") == FAKE


def test_keyed_by_the_vl_convert_version(cache, builds, monkeypatch):
    """Does a new vl-convert build its own bundle instead of reading the old one?"""
    javascript_bundle()
    old = cache_path()
    monkeypatch.setattr(vl_convert, "__version__", "99.0.0")
    javascript_bundle.cache_clear()
    javascript_bundle()
    assert cache_path() != old and "99.0.0" in cache_path().name
    assert builds == [None, None]
    assert sorted(p.name for p in cache.iterdir()) == sorted([old.name, cache_path().name])


def test_a_damaged_cache_file_is_rebuilt(cache, builds):
    """Is a cache file that is not a whole bundle ignored and replaced?"""
    cache.mkdir()
    cache_path().write_text(FAKE[:20], encoding="utf-8")
    assert javascript_bundle().endswith("window.vegaLite=l;")
    assert builds == [None]
    assert cache_path().read_text(encoding="utf-8") == FAKE


def test_not_cached_when_the_cache_cannot_be_written(tmp_path, monkeypatch, builds):
    """When the cache folder cannot be made (here: its parent is a file; a read-only home
    on a hub is the same), is the bundle still given, just not kept?"""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    javascript_bundle.cache_clear()
    try:
        assert javascript_bundle().endswith("window.vegaLite=l;")
    finally:
        javascript_bundle.cache_clear()
    assert sorted(tmp_path.iterdir()) == [blocker]


def test_never_written_inside_the_package(monkeypatch, builds):
    """Even pointed at the installed package, is nothing written there?"""
    before = sorted(PACKAGE.rglob("*"))
    monkeypatch.setenv(CACHE_ENV, str(PACKAGE))
    javascript_bundle.cache_clear()
    try:
        assert javascript_bundle().endswith("window.vegaLite=l;")
    finally:
        javascript_bundle.cache_clear()
    assert sorted(PACKAGE.rglob("*")) == before


def test_default_cache_is_the_users_cache_folder(tmp_path, monkeypatch):
    """Without the variable, is the cache in the platform's user cache folder
    (``$XDG_CACHE_HOME`` on Linux), outside the package?"""
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache_dir() == tmp_path / "xdg" / "rhetoric-lab"
    assert PACKAGE not in cache_dir().resolve().parents


def test_writes_are_atomic_so_readers_never_see_half_a_file(cache):
    """While several writers store the bundle at once (two reports), does a reader only
    ever find no file or the whole file, and are no temporary files left behind?"""
    bundle = "x" * 3_000_000 + "window.vegaLite=l;"
    path = cache / "bundle.js"
    seen, stop = [], threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(len(path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                pass

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            writers = [
                threading.Thread(target=vega_bundle._write, args=(path, bundle)) for _ in range(3)
            ]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join()
    finally:
        stop.set()
        reader.join()
    assert seen and set(seen) == {len(bundle)}
    assert [p.name for p in cache.iterdir()] == ["bundle.js"]


def test_two_reports_building_at_once_both_get_the_bundle(cache):
    """Do two fresh processes building the (real) bundle at the same time both succeed,
    leaving one whole cache file?"""
    code = "from widgets.present.vega_bundle import javascript_bundle as b; print(len(b()))"
    env = {**os.environ, "PYTHONPATH": str(ROOT), CACHE_ENV: str(cache)}
    processes = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    lengths = {int(process.communicate(timeout=300)[0]) for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(lengths) == 1
    assert [p.name for p in cache.iterdir()] == [cache_path().name]
    assert cache_path().read_text(encoding="utf-8") == vl_convert.javascript_bundle()
