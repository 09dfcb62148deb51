"""Build ``articles.csv`` and ``sentences.csv`` from the manifest and the raw texts.

``data/articles/sources.yml`` (hand-written) lists the articles in order; each raw text
is cleaned (:mod:`widgets.articles.cleaning`) and segmented (:mod:`widgets.articles.segment`). The build
is deterministic: the same inputs always give byte-identical CSVs (UTF-8, ``\\n`` line
endings, minimal quoting, manifest order). :func:`add_article` runs a new text through
the same pipeline and appends it, leaving every existing byte in place.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import paths
from ..content import yamlfile
from ..content.corpus import ARTICLE_COLUMNS, SENTENCE_COLUMNS, sentence_id_for, text_sha1
from .cleaning import PARAGRAPH_MODES, CleaningRules, clean_text, paragraph_texts
from .segment import segment_paragraph

__all__ = [
    "ArticleError",
    "SourceEntry",
    "BuiltArticle",
    "BuildResult",
    "DEFAULT_TARGETS",
    "MANIFEST_NAME",
    "load_manifest",
    "slugify",
    "word_count",
    "build_article",
    "render_csv",
    "build_articles",
    "add_article",
]

MANIFEST_NAME = "sources.yml"
DEFAULT_TARGETS: tuple[str, ...] = ("keir-starmer",)
TEACHING_NOTE = "The text remains its publisher's and is used here for teaching."

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD = re.compile(r"\w")
_REQUIRED = ("article_id", "source_file", "title")
_KNOWN = frozenset(
    {
        "article_id", "source_file", "title", "author", "outlet", "published", "genre",
        "targets", "notes", "drop_lines", "paragraphs", "break_after",
    }
)  # fmt: skip
_MAX_SLUG = 60
#: Share of control characters above which a "text" file is treated as binary.
_MAX_CONTROL_SHARE = 0.05


class ArticleError(ValueError):
    """A manifest entry or an article file that cannot be used (message names the file)."""


@dataclass(frozen=True)
class SourceEntry:
    """One article in ``sources.yml``: metadata plus its per-article cleaning rules."""

    article_id: str
    source_file: str
    title: str
    author: str = ""
    outlet: str = ""
    published: str = ""
    genre: str = ""
    targets: tuple[str, ...] = DEFAULT_TARGETS
    notes: str = ""
    drop_lines: tuple[str, ...] = ()
    paragraphs: str = "lines"
    break_after: tuple[str, ...] = ()

    @property
    def rules(self) -> CleaningRules:
        return CleaningRules(
            title=self.title,
            author=self.author,
            drop_lines=self.drop_lines,
            paragraphs=self.paragraphs,
            break_after=self.break_after,
        )

    def to_yaml_dict(self) -> dict:
        """The entry as ``sources.yml`` spells it (empty optional rules left out)."""
        data = {
            "article_id": self.article_id,
            "source_file": self.source_file,
            "title": self.title,
            "author": self.author,
            "outlet": self.outlet,
            "published": self.published,
            "genre": self.genre,
            "targets": list(self.targets),
        }
        if self.drop_lines:
            data["drop_lines"] = list(self.drop_lines)
        if self.paragraphs != "lines":
            data["paragraphs"] = self.paragraphs
        if self.break_after:
            data["break_after"] = list(self.break_after)
        data["notes"] = self.notes
        return data


@dataclass(frozen=True)
class BuiltArticle:
    """An article after cleaning and segmentation: its CSV rows, ready to write."""

    entry: SourceEntry
    sentences: tuple[tuple[int, str], ...]  # (paragraph, text), in reading order
    word_count: int

    @property
    def body_sha1(self) -> str:
        """SHA-1 of the cleaned body (sentences joined by newlines): spots duplicates."""
        return text_sha1("\n".join(text for _, text in self.sentences))

    def article_row(self) -> list[str]:
        e = self.entry
        return [
            e.article_id, e.title, e.author, e.outlet, e.published, e.genre,
            ";".join(e.targets), e.source_file, str(self.word_count), e.notes,
        ]  # fmt: skip

    def sentence_rows(self) -> list[list[str]]:
        return [
            [
                self.entry.article_id,
                sentence_id_for(self.entry.article_id, position),
                str(paragraph),
                str(position),
                text,
                text_sha1(text),
            ]
            for position, (paragraph, text) in enumerate(self.sentences, start=1)
        ]


@dataclass(frozen=True)
class BuildResult:
    """What a build or an add wrote."""

    articles_csv: Path
    sentences_csv: Path
    articles: tuple[BuiltArticle, ...] = field(default_factory=tuple)

    @property
    def sentence_count(self) -> int:
        return sum(len(a.sentences) for a in self.articles)


# --------------------------------------------------------------------------- manifest


def _text_field(entry: dict, key: str, where: str) -> str:
    value = entry.get(key, "")
    if value is None:
        return ""
    if isinstance(value, dt.date):  # an unquoted YAML date
        return value.isoformat()
    if not isinstance(value, str | int | float):
        raise ArticleError(f"{where}: {key} must be text, got {type(value).__name__}")
    return str(value).strip()


def _check_published(value: str, where: str) -> str:
    if value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ArticleError(
                f"{where}: published {value!r} is not an ISO date (YYYY-MM-DD) or empty"
            ) from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ArticleError(f"{where}: published {value!r} must be written YYYY-MM-DD")
    return value


def _check_targets(values: object, where: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[;,\s]+", values) if v]
    if not isinstance(values, list | tuple) or not values:
        raise ArticleError(f"{where}: targets must be a non-empty list of target ids")
    targets = tuple(str(v).strip() for v in values)
    for target in targets:
        if not _SLUG.match(target):
            raise ArticleError(
                f"{where}: target {target!r} is not an id (lowercase words joined by -)"
            )
    if len(set(targets)) != len(targets):
        raise ArticleError(f"{where}: targets repeat an id: {', '.join(targets)}")
    return targets


def _entry_from_dict(raw: object, where: str) -> SourceEntry:
    if not isinstance(raw, dict):
        raise ArticleError(f"{where}: each article must be a mapping of fields")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ArticleError(
            f"{where}: unknown field(s) {', '.join(map(str, unknown))}; "
            f"known: {', '.join(sorted(_KNOWN))}"
        )
    for key in _REQUIRED:
        if not _text_field(raw, key, where):
            raise ArticleError(f"{where}: {key} is missing or empty")
    article_id = _text_field(raw, "article_id", where)
    if not _SLUG.match(article_id):
        raise ArticleError(
            f"{where}: article_id {article_id!r} is not a slug (lowercase words joined by -)"
        )
    drop_lines = raw.get("drop_lines") or []
    if not isinstance(drop_lines, list) or not all(isinstance(d, str) for d in drop_lines):
        raise ArticleError(f"{where}: drop_lines must be a list of lines")
    break_after = raw.get("break_after") or []
    if not isinstance(break_after, list) or not all(
        isinstance(b, str) and b.strip() for b in break_after
    ):
        raise ArticleError(f"{where}: break_after must be a list of texts")
    paragraphs = _text_field(raw, "paragraphs", where) or "lines"
    if paragraphs not in PARAGRAPH_MODES:
        raise ArticleError(
            f"{where}: paragraphs must be one of {', '.join(PARAGRAPH_MODES)}, got {paragraphs!r}"
        )
    return SourceEntry(
        article_id=article_id,
        source_file=_text_field(raw, "source_file", where),
        title=" ".join(_text_field(raw, "title", where).split()),
        author=_text_field(raw, "author", where),
        outlet=_text_field(raw, "outlet", where),
        published=_check_published(_text_field(raw, "published", where), where),
        genre=_text_field(raw, "genre", where),
        targets=_check_targets(raw.get("targets", list(DEFAULT_TARGETS)), where),
        notes=" ".join(_text_field(raw, "notes", where).split()),
        drop_lines=tuple(drop_lines),
        paragraphs=paragraphs,
        break_after=tuple(break_after),
    )


def _parse_manifest(text: str, path: Path) -> list[SourceEntry]:
    try:
        data = yamlfile.safe_load(text)
    except yaml.YAMLError as error:
        raise ArticleError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise ArticleError(f"{path}: expected a mapping with an `articles:` list")
    entries = [
        _entry_from_dict(raw, f"{path}, article {number}")
        for number, raw in enumerate(data["articles"], start=1)
    ]
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        for key in (entry.article_id, entry.source_file):
            if key in seen:
                raise ArticleError(
                    f"{path}, article {number}: {key!r} is already used by article {seen[key]}"
                )
            seen[key] = number
    return entries


def load_manifest(data_dir: str | os.PathLike | None = None) -> list[SourceEntry]:
    """The articles listed in ``<data_dir>/articles/sources.yml``, in order.

    Raises
    ------
    ArticleError
        Naming the file and the article number, for a missing file, bad YAML, an unknown
        or missing field, a bad date, target or slug, or a repeated id or source file.
    """
    path = paths.data_dir(data_dir) / "articles" / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArticleError(f"{path}: the article manifest is missing") from None
    return _parse_manifest(text, path)


# --------------------------------------------------------------------------- building


def slugify(title: str) -> str:
    """An article id from a title: ASCII lowercase words joined by ``-``, ≤ 60 characters.

    >>> slugify("Starmer’s “Security Guarantee” Demand")
    'starmers-security-guarantee-demand'
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _MAX_SLUG:
            break
        slug = candidate
    return slug or (words[0][:_MAX_SLUG] if words else "")


def word_count(sentences: Iterable[str]) -> int:
    """Words in ``sentences``: whitespace-separated tokens holding a letter or digit."""
    return sum(1 for s in sentences for token in s.split() if _WORD.search(token))


def build_article(raw_text: str, entry: SourceEntry) -> BuiltArticle:
    """Clean and segment one article's raw text.

    Parameters
    ----------
    raw_text : str
        The text as copied from the web page.
    entry : SourceEntry
        Its manifest entry (title, author and cleaning rules).

    Returns
    -------
    BuiltArticle
        Sentences numbered by paragraph (1-based; the headline is paragraph 1), with
        the word count of headline and body.
    """
    # The headline is the first sentence (paragraph 1): headlines carry much of a text's
    # framing, so learners tag them like any body sentence. Copies of it in the page
    # are clutter and removed by clean_text.
    sentences: list[tuple[int, str]] = [(1, entry.title)]
    paragraph_number = 1
    for paragraph in paragraph_texts(clean_text(raw_text, entry.rules)):
        pieces = segment_paragraph(paragraph)
        if pieces:
            paragraph_number += 1
            sentences.extend((paragraph_number, piece) for piece in pieces)
    return BuiltArticle(
        entry=entry,
        sentences=tuple(sentences),
        word_count=word_count(text for _, text in sentences),
    )


def render_csv(columns: Sequence[str] | None, rows: Iterable[Sequence[str]]) -> str:
    """CSV text: a header row (unless ``columns`` is None) and ``rows``, ``\\n`` endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if columns is not None:
        writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _read_raw(path: Path, label: str) -> str:
    """Decode an article file strictly, or raise ArticleError saying what is wrong."""
    if not path.exists():
        raise ArticleError(f"{label}: file does not exist")
    if not path.is_file():
        raise ArticleError(f"{label}: is not a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"{label}: cannot be read ({error.strerror})") from None
    if not data:
        raise ArticleError(f"{label}: file is empty")
    if b"\x00" in data:
        raise ArticleError(f"{label}: is a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(
            f"{label}: is not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start} cannot be decoded); save it as UTF-8 and try again"
        ) from None
    control = sum(
        1 for c in text if (unicodedata.category(c) == "Cc" and c not in "\n\r\t") or c == "\ufffd"
    )
    if control > _MAX_CONTROL_SHARE * len(text):
        raise ArticleError(
            f"{label}: looks binary ({control} of {len(text)} characters are control "
            "characters), not article text"
        )
    if not text.strip():
        raise ArticleError(f"{label}: holds only whitespace, no text")
    return text


def _build_all(data_dir: Path, entries: Sequence[SourceEntry]) -> list[BuiltArticle]:
    built = []
    for entry in entries:
        path = data_dir / entry.source_file
        article = build_article(_read_raw(path, str(path)), entry)
        if not article.sentences:
            raise ArticleError(f"{path}: no article text is left after cleaning")
        built.append(article)
    return built


def _write_if_changed(path: Path, text: str) -> None:
    """Write atomically (temp file + rename); leave an identical file untouched."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _csv_paths(data_dir: Path) -> tuple[Path, Path]:
    folder = data_dir / "articles"
    return folder / "articles.csv", folder / "sentences.csv"


def build_articles(data_dir: str | os.PathLike | None = None) -> BuildResult:
    """Rebuild ``articles.csv`` and ``sentences.csv`` from ``sources.yml`` and ``raw/``.

    Parameters
    ----------
    data_dir : path, optional
        The data folder (default :func:`widgets.paths.data_dir`).

    Returns
    -------
    BuildResult
        The paths written and the built articles.

    Raises
    ------
    ArticleError
        For a bad manifest or an unusable raw file; nothing is written then.
    """
    folder = paths.data_dir(data_dir)
    built = _build_all(folder, load_manifest(folder))
    articles_csv, sentences_csv = _csv_paths(folder)
    article_text = render_csv(ARTICLE_COLUMNS, (a.article_row() for a in built))
    sentence_text = render_csv(SENTENCE_COLUMNS, (r for a in built for r in a.sentence_rows()))
    _write_if_changed(articles_csv, article_text)
    _write_if_changed(sentences_csv, sentence_text)
    return BuildResult(
        articles_csv=articles_csv, sentences_csv=sentences_csv, articles=tuple(built)
    )


# --------------------------------------------------------------------------- adding


def _existing_bodies(sentences_csv: Path) -> dict[str, str]:
    """article_id -> SHA-1 of its cleaned body, from the current sentences.csv."""
    texts: dict[str, list[str]] = {}
    with open(sentences_csv, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts.setdefault(row["article_id"], []).append(row["text"])
    return {article_id: text_sha1("\n".join(t)) for article_id, t in texts.items()}


# longer than 80 lines: adding an article is one transaction (check, clean, segment,
# write the text, the sentence table, the raw copy and the codebook targets); the steps
# are in order and each undoes nothing, so they read best top to bottom.
def add_article(
    file: str | os.PathLike,
    *,
    title: str,
    author: str = "",
    outlet: str = "",
    published: str = "",
    genre: str = "",
    targets: Sequence[str] | None = None,
    notes: str = "",
    article_id: str | None = None,
    drop_lines: Sequence[str] = (),
    paragraphs: str = "lines",
    data_dir: str | os.PathLike | None = None,
) -> BuiltArticle:
    """Add one article: copy its text into ``raw/``, append it to the manifest and CSVs.

    Every existing row of ``articles.csv`` and ``sentences.csv`` stays byte-identical;
    the new article's rows are appended, exactly as a full rebuild would write them.

    Parameters
    ----------
    file : path
        A UTF-8 text file copied from the article's web page.
    title : str
        The headline as the text gives it (copies of it are removed from the body).
    author, outlet, published, genre, notes : str
        Metadata; ``published`` is ``YYYY-MM-DD`` or empty. A teaching note is added to
        ``notes``.
    targets : sequence of str, optional
        Stance target ids (default ``("keir-starmer",)``).
    article_id : str, optional
        The slug; by default derived from ``title`` with :func:`slugify`.
    drop_lines : sequence of str
        Lines of the text to drop besides the generic clutter.
    paragraphs : {"lines", "blocks"}
        Each line is a paragraph, or blank-line-separated blocks (hard-wrapped text).
    data_dir : path, optional
        The data folder (default :func:`widgets.paths.data_dir`).

    Returns
    -------
    BuiltArticle
        The new article as appended.

    Raises
    ------
    ArticleError
        Naming the file and the problem (missing, empty, binary, not UTF-8, no text left
        after cleaning, a duplicate of an existing article, a clashing slug, bad
        metadata). Nothing is changed then.
    """
    folder = paths.data_dir(data_dir)
    source = Path(file)
    label = str(source)
    text = _read_raw(source, label)
    raw_bytes = source.read_bytes()

    manifest_path = folder / "articles" / MANIFEST_NAME
    entries = load_manifest(folder)
    articles_csv, sentences_csv = _csv_paths(folder)
    for csv_path in (articles_csv, sentences_csv):
        if not csv_path.exists():
            raise ArticleError(f"{csv_path}: missing; run `rhetoric-lab build-articles` first")

    title = " ".join(title.split())
    if not title:
        raise ArticleError(f"{label}: --title is empty")
    slug = article_id if article_id is not None else slugify(title)
    if not slug:
        raise ArticleError(f"{label}: cannot derive an article id from title {title!r}")
    raw_folder = folder / "raw"
    digest = hashlib.sha256(raw_bytes).hexdigest()
    entry = _entry_from_dict(
        {
            "article_id": slug,
            "source_file": f"raw/{len(entries):03d}_{digest[:16]}.txt",
            "title": title,
            "author": author,
            "outlet": outlet,
            "published": published,
            "genre": genre,
            "targets": list(targets) if targets else list(DEFAULT_TARGETS),
            "notes": f"{notes.strip()} {TEACHING_NOTE}".strip(),
            "drop_lines": list(drop_lines),
            "paragraphs": paragraphs,
        },
        label,
    )
    clash = next((e for e in entries if e.article_id == entry.article_id), None)
    if clash is not None:
        raise ArticleError(
            f"{label}: article id {entry.article_id!r} (from the title) is already used by "
            f"{clash.source_file}; give a different --title or --article-id"
        )
    for existing in [*(folder / e.source_file for e in entries), *raw_folder.glob("*.txt")]:
        if existing.is_file() and hashlib.sha256(existing.read_bytes()).digest() == (
            hashlib.sha256(raw_bytes).digest()
        ):
            raise ArticleError(f"{label}: is a copy of {existing}, already in the corpus")

    built = build_article(text, entry)
    if len(built.sentences) <= 1:  # the headline alone
        raise ArticleError(
            f"{label}: no article text is left after cleaning (every line looked like web "
            "clutter or the headline)"
        )
    for existing_id, body in _existing_bodies(sentences_csv).items():
        if body == built.body_sha1:
            raise ArticleError(
                f"{label}: its cleaned text is the same as article {existing_id!r}, "
                "already in the corpus"
            )

    # Compose every new file's content first; only then touch the disk.
    manifest_text = manifest_path.read_text(encoding="utf-8")
    if not manifest_text.endswith("\n"):
        manifest_text += "\n"
    block = yaml.safe_dump(
        [entry.to_yaml_dict()],
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_flow_style=None,  # short lists as [a, b], like the hand-written entries
    )
    new_manifest = manifest_text + block
    reparsed = _parse_manifest(new_manifest, manifest_path)
    if reparsed[:-1] != entries or reparsed[-1] != entry:
        raise ArticleError(
            f"{manifest_path}: cannot append an entry (keep `articles:` the last key, "
            "with its items unindented)"
        )
    old_articles = articles_csv.read_bytes()
    old_sentences = sentences_csv.read_bytes()
    new_files = {
        manifest_path: new_manifest.encode("utf-8"),
        articles_csv: old_articles + render_csv(None, [built.article_row()]).encode("utf-8"),
        sentences_csv: old_sentences + render_csv(None, built.sentence_rows()).encode("utf-8"),
    }
    raw_copy = folder / entry.source_file
    if raw_copy.exists():
        raise ArticleError(f"{label}: {raw_copy} already exists; it is never overwritten")
    originals = {path: path.read_bytes() for path in new_files}
    created = False
    try:
        raw_copy.parent.mkdir(parents=True, exist_ok=True)
        with open(raw_copy, "xb") as handle:  # never overwrite a raw text
            created = True
            handle.write(raw_bytes)
        for path, data in new_files.items():
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
    except OSError as error:
        for path, data in originals.items():
            if path.read_bytes() != data:
                path.write_bytes(data)
        if created:
            raw_copy.unlink(missing_ok=True)
        raise ArticleError(f"{label}: could not add it ({error}); nothing was changed") from None
    return built
