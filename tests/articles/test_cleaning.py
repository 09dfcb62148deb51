"""Is web clutter removed, and does every body sentence survive?"""

from __future__ import annotations

import pytest

from widgets import paths
from widgets.articles.build import build_article, load_manifest
from widgets.articles.cleaning import (
    CleaningRules,
    clean_text,
    clutter_reason,
    is_teaser_block,
    paragraph_texts,
    split_blocks,
    strip_list_marker,
)


def _articles():
    return {e.article_id: e for e in load_manifest()}


def _raw(entry):
    return (paths.data_dir() / entry.source_file).read_text(encoding="utf-8")


def _body(article_id):
    """The body sentences (sentence 1 is the headline, kept once on purpose)."""
    entry = _articles()[article_id]
    return [text for _, text in build_article(_raw(entry), entry).sentences[1:]]


@pytest.mark.parametrize("article_id", sorted(_articles()))
def test_the_headline_is_the_first_sentence_once(article_id):
    """Can learners tag the headline, exactly once, however often the page repeats it?"""
    entry = _articles()[article_id]
    sentences = [text for _, text in build_article(_raw(entry), entry).sentences]
    assert sentences[0] == entry.title
    assert entry.title not in sentences[1:]


A000 = "when-will-starmer-talk-to-putin"
A001 = "ceasefire-coalition-momentum"
A002 = "starmer-defies-putin"
A003 = "starmer-rejects-answering-to-putin"
A004 = "press-trump-security-guarantees"

CLUTTER = [
    # (article, kind, a line or fragment that must not appear in any sentence)
    (A000, "date line", "12.11.2025"),
    (A000, "repeated headline", "When Will Sir Keir Starmer Talk to Vladimir Putin?"),
    (A000, "section label", "Opinions"),
    (A000, "subscription prompt", "Want to know more about global politics?"),
    (A000, "subscription prompt", "Subscribe to our distribution list"),
    (A000, "byline", "James C. Pearce"),
    (A000, "author blurb", "Cultural historian of Russia."),
    (A000, "teaser headline", "Why Labour and Sir Keir Starmer May Have the Last Laugh"),
    (A000, "teaser standfirst", "Labour is having a really bad time."),
    (A000, "teaser headline", "Vladimir Putin’s Philosophy of Complexity"),
    (A000, "teaser author", "Alexander Shchipkov"),
    (A000, "teaser standfirst", "A strategic vision of international relations"),
    (A000, "teaser link", "More"),
    (A001, "doubled byline", "James Heale"),
    (A001, "headline", "Starmer insists ceasefire coalition has momentum"),
    (A001, "comments label", "Comments"),
    (A002, "headline", "Starmer defies Putin as he and Biden prepare to escalate"),
    (A002, "subscription prompt", "Get Expert Analysis: Subscribe To Westminster Insights"),
    (A002, "subscription prompt", "Subscribe To Our Free Westminster Update Email"),
    (A002, "subscription prompt", "Subscribe For Our Free Westminster Update Email"),
    (A003, "repeated headline", "Starmer Rejects Answering to Putin as Russia Threatens"),
    (A003, "news-hub prompt", "stay tuned to our news hub"),
    (A003, "related headline", "Analyst warns ‘we’re living in very dark days’"),
    (A003, "related headline", "Russian MP warns Moscow will ‘not accept NATO’"),
    (A003, "related headline", "Putin not interested to end the war unless Ukraine"),
    (A003, "list marker", "•"),
    (A004, "repeated headline", "Starmer to press Trump on security guarantees in critical"),
    (A004, "share button", "Share:"),
    (A004, "byline", "Author: Pippa Crerar"),
    (A004, "date line", "Published: Feb, 26 2025 22:30"),
    (A004, "page furniture", "More for You"),
    (A004, "page furniture", "Top Followed"),
]


@pytest.mark.parametrize(
    ("article_id", "kind", "clutter"), CLUTTER, ids=[f"{a}:{k}:{c[:30]}" for a, k, c in CLUTTER]
)
def test_clutter_is_removed(article_id, kind, clutter):
    """Is this kind of web clutter gone from every sentence of the article?"""
    raw = _raw(_articles()[article_id])
    assert clutter in raw, "the clutter must really be in the raw text"
    body = _body(article_id)
    if len(clutter) <= 8:  # short furniture words may occur inside body sentences
        assert clutter not in body and not any(s.startswith(clutter) for s in body)
    else:
        assert not any(clutter in s for s in body), kind


def test_generic_numbered_markers_are_stripped():
    body = _body(A003)
    assert not any(s[:2] in {"1.", "2.", "3.", "4."} or s.startswith("–") for s in body)


BODY = [
    # (article, a sentence that must survive exactly)
    (A000, "In English, we often say ‘crickets’ to describe a long awkward silence."),
    (A000, "The alternative clearly has not achieved anything."),
    (A000, "Firstly, Starmer is leading the so-called ‘coalition of the willing.’"),
    (A001, "Following the call, the Prime Minister held a press conference at which he "
     "took his message public."),
    (A002, "Sir Keir Starmer boldly faced the possibility of revenge from Vladimir Putin as "
     "he headed to Washington DC for discussions with Joe Biden regarding the conflict in "
     "Ukraine."),
    (A002, "The prime minister stated that Ms. Harris won't be in Washington since she will "
     "be out campaigning in key states, which is to be expected."),
    # 003: headings, list items (markers stripped) and the second item's headline survive
    (A003, "Starmer & Trump Face-to-Face Over Ukraine: A European Defense Dream"),
    (A003, "The Kremlin’s Signal"),
    (A003, "Bottom Line"),
    (A003, "FAQ: “What’s in a European Defence Force?”"),
    (A003, "Trump Rejects Starmer’s “Security Guarantee” Demand for Ukraine"),
    (A003, "“London feels comfortable where there’s a divide between Russia and the U.S.” – "
     "Miroshnik"),
    (A003, "Britain perhaps keeps its voice low but the impact is high."),
    (A003, "Starmer’s calm, collected charm meets Trump’s unfiltered style."),
    (A003, "Russia stays skeptical, feeling the pressure from London’s covert maneuvers."),
    (A003, "Only time will tell."),
    (A003, "UK is eyeing European troops in Ukraine (a move Moscow hates)."),
    (A003, "“I’m not answering to Putin,” Starmer told reporters, making it clear that he’s "
     "all about building lasting peace, not just a stop-and-fill-in-a-vacuum ceasefire."),
    (A003, "Trump’s refusal spell means:"),
    (A003, "All three powers—Trump, Starmer, and Russia—are pushing for outcomes that might "
     "not align."),
    (A004, "Prime minister faces major diplomatic effort to get the president on board after "
     "he said no plans for US ‘backstop’."),
    (A004, "“Because Putin has already caused insecurity in our country, in our waters, and "
     "air, in cyberspace,” he added."),
]  # fmt: skip


@pytest.mark.parametrize(("article_id", "sentence"), BODY, ids=[f"{a}:{s[:30]}" for a, s in BODY])
def test_body_sentences_survive(article_id, sentence):
    assert sentence in _body(article_id)


def test_list_items_are_their_own_paragraphs():
    """Is each bullet / numbered item of 003 a paragraph of its own?"""
    entry = _articles()[A003]
    paragraphs = paragraph_texts(clean_text(_raw(entry), entry.rules))
    for item in (
        "Britain perhaps keeps its voice low but the impact is high.",
        "Kyiv’s alleged crimes are under constant surveillance.",
        "A European defense force? Sounds like an ambitious dream that could unify Europe.",
        "These troops could derail any peace negotiations if not handled carefully.",
    ):
        assert item in paragraphs


def test_every_raw_body_line_is_kept():
    """Does every line of a raw text end up in the body, unless it is named clutter?"""
    for entry in _articles().values():
        raw = _raw(entry)
        body = " ".join(_body(entry.article_id))
        blocks = split_blocks(raw)
        for block in blocks:
            if is_teaser_block(block):
                continue
            for line in block:
                if clutter_reason(line, entry.rules) is None:
                    assert strip_list_marker(line)[0] in body, (entry.article_id, line)


# ---- the generic rules on small texts -------------------------------------------------


def test_teaser_block_ending_in_more_is_dropped():
    raw = "Body sentence one.\n\nOther headline\nSomeone Else\nA teaser sentence.\nMore\n"
    assert clean_text(raw) == [["Body sentence one."]]


def test_body_block_ending_in_more_is_not_a_teaser():
    """Is body text copied without blank lines kept when a "More" link follows it?"""
    assert clean_text("Body.\nMore\n") == [["Body."]]
    body = "First sentence.\nSecond sentence.\nThird sentence.\nMore\n"
    assert paragraph_texts(clean_text(body)) == [
        "First sentence.",
        "Second sentence.",
        "Third sentence.",
    ]
    long_block = [f"Headline {n}" for n in range(7)] + ["More"]
    assert not is_teaser_block(long_block)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Share:", "page furniture"),
        ("  COMMENTS ", "page furniture"),
        ("Top Followed", "page furniture"),
        ("Want to know more about global politics?", "subscription prompt"),
        ("Subscribe To Our Free Westminster Update Email", "subscription prompt"),
        ("Get Expert Analysis: Subscribe To Westminster Insights", "subscription prompt"),
        ("For more on this, stay tuned to our news hub.", "news-hub prompt"),
        ("Author: Jane Doe in Kyiv", "byline"),
        ("Published: Feb, 26 2025 22:30", "date line"),
        ("12.11.2025", "date line"),
        ("2025-02-26", "date line"),
    ],
)
def test_generic_clutter_reasons(line, reason):
    assert clutter_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "Subscribers to the theory say otherwise.",
        "The author: a man of many words, said little.",
        "More troops are needed.",
        "Share prices fell.",
        "By 2027 the budget will rise.",
    ],
)
def test_body_lines_are_not_mistaken_for_clutter(line):
    assert clutter_reason(line) is None


def test_title_author_and_article_rules():
    rules = CleaningRules(
        title="A Headline", author="James Heale", drop_lines=("Cultural historian.",)
    )
    raw = (
        "A Headline\nJames Heale James Heale\nA  HEADLINE\nCultural historian.\n"
        "James Heale wrote this.\n"
    )
    assert clean_text(raw, rules) == [["James Heale wrote this."]]
    assert clutter_reason("James Heale", rules) == "byline"
    assert clutter_reason("a headline", rules) == "headline"


def test_list_markers_and_whitespace():
    raw = "Intro:\n  • First item.\n  2. Second item.\n– “Quote,” he said.\nNo\u202fbreak\u00a0here.\n"
    assert clean_text(raw) == [
        ["Intro:"],
        ["First item."],
        ["Second item."],
        ["“Quote,” he said."],
        ["No break here."],
    ]


def test_hard_wrapped_blocks_join_lines_but_not_list_items():
    raw = "A long sentence that\nwraps onto a second line.\n\nNext paragraph.\n• An item.\n"
    rules = CleaningRules(paragraphs="blocks")
    assert paragraph_texts(clean_text(raw, rules)) == [
        "A long sentence that wraps onto a second line.",
        "Next paragraph.",
        "An item.",
    ]


def test_bad_paragraph_mode_is_refused():
    with pytest.raises(ValueError, match="paragraphs must be one of"):
        CleaningRules(paragraphs="sentences")


def test_bom_and_crlf_are_normalised():
    assert clean_text("\ufeffOne.\r\n\r\nTwo.\r\n") == [["One."], ["Two."]]


def test_non_breaking_hyphens_become_ordinary_hyphens():
    """Can learners copy, paste and search "Face-to-Face" (U+2011 in the raw page)?"""
    assert clean_text("Starmer & Trump Face\u2011to\u2011Face.\n") == [
        ["Starmer & Trump Face-to-Face."]
    ]


def test_break_after_ends_a_paragraph_inside_a_line():
    """Does a break_after rule split a standfirst from the lede on the same line?"""
    raw = "Standfirst ends here. The lede begins. It goes on.\nNext.\n"
    rules = CleaningRules(break_after=("ends here.",))
    assert paragraph_texts(clean_text(raw, rules)) == [
        "Standfirst ends here.",
        "The lede begins. It goes on.",
        "Next.",
    ]
    # A marker at the end of a line, or absent, changes nothing.
    assert clean_text("Standfirst ends here.\n", rules) == [["Standfirst ends here."]]


def test_the_guardian_standfirst_is_its_own_paragraph():
    """Is P-002, the standfirst, no longer in the lede's paragraph?"""
    entry = _articles()["press-trump-security-guarantees"]
    sentences = build_article(_raw(entry), entry).sentences
    (p2, standfirst), (p3, lede) = sentences[1], sentences[2]
    assert standfirst.startswith("Prime minister faces major diplomatic effort")
    assert lede.startswith("Keir Starmer has warned")
    assert p3 == p2 + 1
