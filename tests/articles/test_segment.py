"""Does the segmenter split the corpus where a careful reader would?"""

from __future__ import annotations

from pathlib import Path

import pytest

from widgets import paths
from widgets.articles.build import build_article, load_manifest
from widgets.articles.segment import segment_paragraph, split_quoted_sentences

HAND_CHECKED = Path(__file__).parent.parent / "data" / "sentences"


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # abbreviations and initials never end a sentence
        (
            "Mr. Putin stated in an interview that the issue isn't about that. Instead, it's "
            "about NATO.",
            ["Mr. Putin stated in an interview that the issue isn't about that.",
             "Instead, it's about NATO."],
        ),
        (
            "Starmer is starting to remind me of former U.S. President George H. W. Bush. "
            "First, as Bush famously quipped, “I’m not much of an ideas guy.” Starmerism is "
            "hard to define.",
            ["Starmer is starting to remind me of former U.S. President George H. W. Bush.",
             "First, as Bush famously quipped, “I’m not much of an ideas guy.”",
             "Starmerism is hard to define."],
        ),
        (
            "Starmer has a mature understanding of the world, just as Bush Sr. did. Starmer "
            "has secured trade deals with the U.S., EU, India.",
            ["Starmer has a mature understanding of the world, just as Bush Sr. did.",
             "Starmer has secured trade deals with the U.S., EU, India."],
        ),
        (
            "In the Q&A that followed, Starmer said a U.S ‘backstop’ still has not changed. "
            "Sir Keir left.",
            ["In the Q&A that followed, Starmer said a U.S ‘backstop’ still has not changed.",
             "Sir Keir left."],
        ),
        (
            "The UK will provide an additional £600 million in support. The budget will rise "
            "to 2.5% of GDP by 2027 – three years earlier than planned – and more.",
            ["The UK will provide an additional £600 million in support.",
             "The budget will rise to 2.5% of GDP by 2027 – three years earlier than planned "
             "– and more."],
        ),
        (
            "Britain’s most senior army officer, Field Marshall Lord Richards, admitted this. "
            "The conflict will end—with a Russian victory.",
            ["Britain’s most senior army officer, Field Marshall Lord Richards, admitted this.",
             "The conflict will end—with a Russian victory."],
        ),
        # an ellipsis inside quotes followed by a dash does not end the sentence
        (
            "Starmer dismissed Russia’s posture as mere ‘yes, but…’ – suggesting that Moscow "
            "was not serious. He left.",
            ["Starmer dismissed Russia’s posture as mere ‘yes, but…’ – suggesting that Moscow "
             "was not serious.",
             "He left."],
        ),
        # closing quotes stay with their sentence: curly double, curly single, straight
        (
            "His response was candid: “My guess is never.” On a good day, it seems so.",
            ["His response was candid: “My guess is never.”", "On a good day, it seems so."],
        ),
        (
            "Starmer is leading the so-called ‘coalition of the willing.’ This group of "
            "nations wishes to help.",
            ["Starmer is leading the so-called ‘coalition of the willing.’",
             "This group of nations wishes to help."],
        ),
        (
            'He said: "Let me be clear. Naturally, Ukraine has the right to defend itself." '
            "That is why.",
            ['He said: "Let me be clear.',
             'Naturally, Ukraine has the right to defend itself."',
             "That is why."],
        ),
        # the stray full stop after a closing quote stays too (004's “…”. endings)
        (
            "They have great rare earth.”. UK officials played down expectations.",
            ["They have great rare earth.”.", "UK officials played down expectations."],
        ),
        (
            "“It’s a considered decision. We are still in discussions.”.",
            ["“It’s a considered decision.", "We are still in discussions.”."],
        ),
        # a comma inside the closing quote continues the sentence
        (
            "“I’m not answering to Putin,” Starmer told reporters. “We need guarantees.”",
            ["“I’m not answering to Putin,” Starmer told reporters.", "“We need guarantees.”"],
        ),
        (
            "“London feels comfortable where there’s a divide between Russia and the U.S.” – "
            "Miroshnik",
            ["“London feels comfortable where there’s a divide between Russia and the U.S.” – "
             "Miroshnik"],
        ),
        ("Their mission? To “derail Trump’s peace initiatives.”",
         ["Their mission?", "To “derail Trump’s peace initiatives.”"]),
    ],
)  # fmt: skip
def test_tricky_cases_split_like_a_careful_reader(paragraph, expected):
    assert segment_paragraph(paragraph) == expected


def test_no_text_is_lost_or_invented():
    """Are the sentences, rejoined, the paragraph again (whitespace aside)?"""
    paragraph = (
        "“All the discussion that follows has to be seen in that context. They are the "
        "aggressor.”. Mr. Starmer  said\u202fso, the U.S. agreed!  Did Ms. Harris?"
    )
    sentences = segment_paragraph(paragraph)
    assert " ".join(sentences) == " ".join(paragraph.split())
    assert all(s == s.strip() and s for s in sentences)


def test_empty_paragraph_has_no_sentences():
    assert segment_paragraph("   \n ") == []


def test_quote_split_keeps_abbreviations_inside_quotes():
    assert split_quoted_sentences("“We need a U.S. backstop. Mr. Trump knows.”") == [
        "“We need a U.S. backstop.",
        "Mr. Trump knows.”",
    ]


def _hand_checked_ids():
    return sorted(p.stem for p in HAND_CHECKED.glob("*.txt"))


def test_the_hardest_articles_are_hand_checked():
    """Are at least the two hardest articles (000 and 004) covered by hand-checked lists?"""
    assert {"when-will-starmer-talk-to-putin", "press-trump-security-guarantees"} <= set(
        _hand_checked_ids()
    )


@pytest.mark.parametrize("article_id", _hand_checked_ids())
def test_article_matches_hand_checked_sentences(article_id):
    """Does cleaning + segmentation of the raw text give exactly the hand-checked list?"""
    entries = {e.article_id: e for e in load_manifest()}
    entry = entries[article_id]
    raw = (paths.data_dir() / entry.source_file).read_text(encoding="utf-8")
    got = [text for _, text in build_article(raw, entry).sentences]
    expected = (HAND_CHECKED / f"{article_id}.txt").read_text(encoding="utf-8").splitlines()
    for number, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        assert have == want, f"{article_id} sentence {number}"
    assert len(got) == len(expected)
