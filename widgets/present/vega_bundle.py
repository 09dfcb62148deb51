"""Vega, Vega-Lite and vega-embed as one script, built once and kept in the user's cache.

``vl_convert.javascript_bundle()`` builds the script from sources shipped inside
vl-convert-python (no network), but it takes over a second each time, and every class
report and every notebook chart needs it. So the script is written once per vl-convert
version to the user's cache folder (``platformdirs.user_cache_dir("rhetoric-lab")``, or
``$RHETORIC_LAB_CACHE_DIR``) and read back from there. The file is written to a
temporary name and renamed into place, so two reports at once never read half a file;
when the folder cannot be written (a read-only home on a hub) the script is simply
built each time. Nothing is ever written inside the installed package.

The script assigns ``vegaEmbed``, ``vega`` and ``vegaLite`` to ``window``, so a later
script on the page can call ``vegaEmbed(...)``.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_dir", "cache_path", "javascript_bundle"]

#: Environment variable naming the cache folder (default: the platform's user cache).
CACHE_ENV = "RHETORIC_LAB_CACHE_DIR"

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # widgets/, not only present/
#: How every bundle ends (the default snippet's last assignment).
_COMPLETE = re.compile(r"window\.vegaLite=[\w$]+;\s*\Z")


def cache_dir() -> Path:
    """The folder for the kit's caches: ``$RHETORIC_LAB_CACHE_DIR``, else the user's cache."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_cache_dir("rhetoric-lab", appauthor=False))


def cache_path() -> Path:
    """Where the bundle of the installed vl-convert is kept (the version is in the name:
    a new vl-convert never reads an old bundle)."""
    import vl_convert

    return cache_dir() / f"vega-bundle-vl-convert-{vl_convert.__version__}.js"


@functools.cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, safe to place inside ``<script>``.

    Read from the user's cache, else built with vl-convert and cached (if the cache
    folder can be written). Cached in memory too: built at most once per process.
    """
    path = cache_path()
    bundle = _read(path)
    if bundle is None:
        import vl_convert

        bundle = vl_convert.javascript_bundle()
        _write(path, bundle)
    # Only "</script" would end the <script> element early (other "</" are regular
    # expressions and must stay as they are); "<\/script" is the same to JavaScript.
    return re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # A file is only ever renamed into place whole; this guards against anything else
    # that may have been left under that name.
    return text if _COMPLETE.search(text) else None


def _write(path: Path, bundle: str) -> None:
    """Write ``bundle`` to ``path`` atomically; give up quietly if it cannot be written."""
    folder = path.parent.resolve()
    if folder == _PACKAGE_DIR or _PACKAGE_DIR in folder.parents:
        return  # never inside the installed package (it may be read-only, or shared)
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(bundle)
        os.chmod(temporary, 0o644)  # readable like any cache file, not 0600 as mkstemp makes it
        os.replace(temporary, path)
    except OSError:
        # Not cached: the next run builds the bundle again, which is only slower.
        if temporary is not None:
            temporary.unlink(missing_ok=True)
