"""Is the article build deterministic, and does add-article append safely?"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from widgets import cli, paths
from widgets.articles.build import (
    ArticleError,
    add_article,
    build_articles,
    load_manifest,
    slugify,
    word_count,
)
from widgets.content.corpus import ARTICLE_COLUMNS, SENTENCE_COLUMNS, load_corpus, text_sha1

REPO_DATA = paths.data_dir()

NEW_ARTICLE = """\
Starmer and Macron Meet in Paris
Share:
Starmer and Macron Meet in Paris
Author: Test Writer

Sir Keir Starmer met Emmanuel Macron in Paris on Monday. The two leaders discussed
support for Ukraine.

“We stand together,” Mr. Macron said. “Nobody doubts it.”
  • A joint statement followed.
More for You
"""


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the repo's data folder (raw texts, manifest, built CSVs)."""
    folder = tmp_path / "data"
    shutil.copytree(REPO_DATA / "raw", folder / "raw")
    shutil.copytree(REPO_DATA / "articles", folder / "articles")
    return folder


def _csvs(folder: Path) -> dict[str, bytes]:
    articles = folder / "articles"
    return {
        name: (articles / name).read_bytes()
        for name in ("articles.csv", "sentences.csv", "sources.yml")
    }


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---- the build --------------------------------------------------------------------


def test_build_twice_gives_identical_bytes(data_copy):
    (data_copy / "articles" / "articles.csv").unlink()
    (data_copy / "articles" / "sentences.csv").unlink()
    build_articles(data_copy)
    first = _csvs(data_copy)
    (data_copy / "articles" / "sentences.csv").write_text("stale", encoding="utf-8")
    build_articles(data_copy)
    assert _csvs(data_copy) == first


def test_committed_csvs_equal_a_fresh_build(data_copy):
    """Are data/articles/*.csv in the repo exactly what the build writes now?"""
    committed = _csvs(REPO_DATA)
    build_articles(data_copy)
    assert _csvs(data_copy) == committed


def test_csv_format_and_columns():
    for name, columns in (("articles.csv", ARTICLE_COLUMNS), ("sentences.csv", SENTENCE_COLUMNS)):
        data = (REPO_DATA / "articles" / name).read_bytes()
        assert b"\r" not in data and data.endswith(b"\n")
        data.decode("utf-8")
        assert data.split(b"\n", 1)[0].decode() == ",".join(columns)


def test_ids_positions_and_hashes():
    """Are sentence ids unique and formed from position; paragraphs 1-based; sha1 right?"""
    corpus = load_corpus(REPO_DATA)
    manifest = load_manifest(REPO_DATA)
    assert corpus.article_ids == tuple(e.article_id for e in manifest)
    ids = [s.sentence_id for a in corpus.articles for s in a.sentences]
    assert len(ids) == len(set(ids))
    for article in corpus.articles:
        assert article.sentences, article.article_id
        assert [s.position for s in article.sentences] == list(range(1, len(article.sentences) + 1))
        paragraphs = [s.paragraph for s in article.sentences]
        assert paragraphs[0] == 1 and paragraphs == sorted(paragraphs)
        assert set(paragraphs) == set(range(1, paragraphs[-1] + 1))
        for s in article.sentences:
            assert s.sentence_id == f"{article.article_id}-{s.position:03d}"
            assert s.text_sha1 == text_sha1(s.text)
            assert s.text == s.text.strip() and s.text
        assert article.word_count == word_count(s.text for s in article.sentences)
        assert "used here for teaching" in article.notes
        assert "keir-starmer" in article.targets


def test_metadata_records_what_the_text_shows():
    corpus = load_corpus(REPO_DATA)
    a000 = corpus.article("when-will-starmer-talk-to-putin")
    assert (a000.author, a000.published) == ("James C. Pearce", "2025-11-12")
    assert a000.outlet == "Valdai Discussion Club (inferred)"  # inferred: said in the field
    assert "Outlet inferred: Valdai" in a000.notes
    a004 = corpus.article("press-trump-security-guarantees")
    assert (a004.author, a004.published) == ("Pippa Crerar", "2025-02-26")
    assert "Outlet inferred: The Guardian" in a004.notes
    a003 = corpus.article("starmer-rejects-answering-to-putin")
    assert a003.author == "" and "Date inferred" in a003.notes
    for article in corpus.articles:
        raw = (REPO_DATA / article.source_file).read_text(encoding="utf-8")
        assert article.title in " ".join(raw.split())  # the headline as the text gives it


def test_word_count_counts_words_not_dashes():
    assert word_count(["The budget – 2.5% of GDP – rises.", "£600 million."]) == 8


def test_slugify():
    assert slugify("When Will Sir Keir Starmer Talk to Vladimir Putin?") == (
        "when-will-sir-keir-starmer-talk-to-vladimir-putin"
    )
    assert slugify("Trump Rejects Starmer’s “Security Guarantee”") == (
        "trump-rejects-starmers-security-guarantee"
    )
    assert len(slugify("word " * 40)) <= 60


def test_build_command_prints_counts(data_copy, capsys):
    assert cli.main(["build-articles", "--data-dir", str(data_copy)]) == 0
    out = capsys.readouterr().out
    assert "5 articles" in out and "when-will-starmer-talk-to-putin:" in out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a[0].pop("title"), "title is missing"),
        (lambda a: a[1].update(published="15 March 2025"), "not an ISO date"),
        (lambda a: a[2].update(article_id=a[0]["article_id"]), "already used by article 1"),
        (lambda a: a[3].update(colour="red"), "unknown field(s) colour"),
        (lambda a: a[4].update(targets=["Keir Starmer"]), "is not an id"),
        (lambda a: a[4].update(source_file="raw/missing.txt"), "file does not exist"),
    ],
)
def test_bad_manifest_is_refused_with_a_clear_message(data_copy, capsys, edit, message):
    manifest = data_copy / "articles" / "sources.yml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    edit(data["articles"])
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = _snapshot(data_copy)
    assert cli.main(["build-articles", "--data-dir", str(data_copy)]) == 1
    err = capsys.readouterr().err
    assert message in err and ("sources.yml" in err or "missing.txt" in err)
    assert _snapshot(data_copy) == before


# ---- add-article ------------------------------------------------------------------


def _add(data_copy, file, *extra):
    return cli.main(
        ["add-article", str(file), "--title", "Starmer and Macron Meet in Paris",
         "--data-dir", str(data_copy), *extra]
    )  # fmt: skip


def test_add_article_end_to_end(data_copy, tmp_path, capsys):
    before = _csvs(data_copy)
    source = tmp_path / "new.txt"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    code = _add(
        data_copy, source, "--author", "Test Writer", "--published", "2025-03-03",
        "--genre", "reporting", "--targets", "keir-starmer;coalition-of-the-willing",
        "--notes", "Outlet inferred: none.", "--hard-wrapped",
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "added starmer-and-macron-meet-in-paris" in capsys.readouterr().out
    after = _csvs(data_copy)
    for name in ("articles.csv", "sentences.csv", "sources.yml"):
        assert after[name].startswith(before[name]), name  # existing bytes untouched
        assert len(after[name]) > len(before[name])

    corpus = load_corpus(data_copy)
    article = corpus.article("starmer-and-macron-meet-in-paris")
    assert corpus.article_ids[-1] == article.article_id
    assert [s.text for s in article.sentences] == [
        "Starmer and Macron Meet in Paris",  # the headline is sentence 1
        "Sir Keir Starmer met Emmanuel Macron in Paris on Monday.",
        "The two leaders discussed support for Ukraine.",
        "“We stand together,” Mr. Macron said.",
        "“Nobody doubts it.”",
        "A joint statement followed.",
    ]
    assert [s.paragraph for s in article.sentences] == [1, 2, 2, 3, 3, 4]
    assert article.sentences[0].sentence_id == "starmer-and-macron-meet-in-paris-001"
    assert article.targets == ("keir-starmer", "coalition-of-the-willing")
    assert (article.author, article.published, article.genre) == (
        "Test Writer", "2025-03-03", "reporting"
    )  # fmt: skip
    assert article.notes.startswith("Outlet inferred: none.")
    assert "used here for teaching" in article.notes
    raw_copy = data_copy / article.source_file
    assert raw_copy.parent == data_copy / "raw" and raw_copy.name.startswith("005_")
    assert raw_copy.read_bytes() == source.read_bytes()

    # the appended rows are exactly what a full rebuild writes
    appended = _csvs(data_copy)
    build_articles(data_copy)
    assert _csvs(data_copy) == appended


def test_add_article_default_targets(data_copy, tmp_path):
    source = tmp_path / "new.txt"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    assert _add(data_copy, source) == 0
    article = load_corpus(data_copy).article("starmer-and-macron-meet-in-paris")
    assert article.targets == ("keir-starmer",)
    # without --hard-wrapped, each line is a paragraph
    assert article.sentences[1].text == "Sir Keir Starmer met Emmanuel Macron in Paris on Monday."


def _bad_inputs(tmp_path: Path, data_copy: Path) -> dict[str, tuple[Path, list[str], str]]:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    existing_raw = sorted((data_copy / "raw").glob("*.txt"))[1]
    rewrapped = tmp_path / "same-text.txt"
    # the same article with different clutter and spacing: same cleaned text
    rewrapped.write_text(
        "Get Expert Analysis: Subscribe To Westminster Insights\n\n"
        + (data_copy / "raw" / "001_a504ac9bb588c8be.txt").read_text(encoding="utf-8")
        + "\n\nShare:\n",
        encoding="utf-8",
    )
    return {
        "missing": (tmp_path / "nope.txt", [], "file does not exist"),
        "directory": (tmp_path, [], "is not a file"),
        "empty": (write("empty.txt", b""), [], "file is empty"),
        "whitespace": (write("blank.txt", b"  \n\n\t\n"), [], "only whitespace"),
        "binary-nul": (write("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), [], "NUL"),
        "binary-control": (write("ctrl.txt", bytes(range(1, 9)) * 20 + b"text"), [], "binary"),
        "latin-1": (
            write("latin.txt", "Starmer’s café — £600".encode("cp1252")),
            [],
            "not UTF-8",
        ),
        "clutter-only": (write("clutter.txt", b"Share:\nComments\nMore for You\n"), [], "cleaning"),
        "same-raw-file": (existing_raw, ["--title", "Another Title"], "is a copy of"),
        "same-cleaned-text": (
            rewrapped,
            [
                "--title",
                "Starmer insists ceasefire coalition has momentum",
                "--author",
                "James Heale",
                "--article-id",
                "x-y",
            ],  # fmt: skip
            "same as article 'ceasefire-coalition-momentum'",
        ),
        "slug-clash": (
            write("clash.txt", b"A fresh sentence about Starmer.\n"),
            ["--article-id", "starmer-defies-putin"],
            "already used",
        ),
        "bad-date": (
            write("date.txt", b"A fresh sentence about Starmer.\n"),
            ["--published", "26/02/2025"],
            "not an ISO date",
        ),
        "bad-target": (
            write("target.txt", b"A fresh sentence about Starmer.\n"),
            ["--targets", "Keir Starmer!"],
            "is not an id",
        ),
    }


BAD_CASES = [
    "missing", "directory", "empty", "whitespace", "binary-nul", "binary-control", "latin-1",
    "clutter-only", "same-raw-file", "same-cleaned-text", "slug-clash", "bad-date", "bad-target",
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_CASES)
def test_add_article_refuses_bad_input_and_changes_nothing(data_copy, tmp_path, capsys, case):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    file, extra, message = _bad_inputs(inputs, data_copy)[case]
    before = _snapshot(data_copy)
    argv = ["add-article", str(file), "--data-dir", str(data_copy)]
    if "--title" not in extra:
        argv += ["--title", "A Fresh Title"]
    assert cli.main(argv + extra) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert message in err, err
    assert str(file) in err, err
    assert _snapshot(data_copy) == before


def test_add_article_derived_slug_clash(data_copy, tmp_path, capsys):
    """Is a second article whose title gives the same slug refused, naming the slug?"""
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("A fresh sentence about Starmer.\n", encoding="utf-8")
    second.write_text("Another fresh sentence.\n", encoding="utf-8")
    argv = ["add-article", "--data-dir", str(data_copy), "--title"]
    assert cli.main([*argv, "Fresh Talks", str(first)]) == 0
    before = _snapshot(data_copy)
    assert cli.main([*argv, "Fresh talks!", str(second)]) == 1
    err = capsys.readouterr().err
    assert "'fresh-talks'" in err and "already used" in err and str(second) in err
    assert _snapshot(data_copy) == before


def test_add_article_needs_built_csvs(data_copy, tmp_path):
    (data_copy / "articles" / "sentences.csv").unlink()
    source = tmp_path / "new.txt"
    source.write_text(NEW_ARTICLE, encoding="utf-8")
    with pytest.raises(ArticleError, match="build-articles"):
        add_article(source, title="Starmer and Macron Meet in Paris", data_dir=data_copy)
