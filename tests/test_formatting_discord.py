"""Discord rendering within every limit, with questions and passages longer than the limits."""

from __future__ import annotations

import pytest

from qabot.bot import to_embed
from qabot.formatting.discord import (
    FOOTER,
    LIMITS,
    answer_embed,
    discord_message,
    discord_quote,
    escape_markdown,
)
from qabot.formatting.labels import shorten
from qabot.types import Answer, Hit, Passage

WORDS = "Stalin conducts a struggle on a totally different plane from yours. "


def passage(text: str, section: str = "In Mexico", index: int = 1) -> Passage:
    return Passage(
        id=index, text=text, embed_text=text, source="j.txt", title="Pages From Trotsky’s Journal",
        section=section, date="1937-01-09", paragraphs=(index,), start=0, end=len(text), tokens=9,
    )  # fmt: skip


def hits(count: int, text: str, section: str = "In Mexico", highlight: str | None = None):
    return tuple(
        Hit(passage(text, section, i), i, 0.9 - i / 100, 0.9, 0.5, "both", highlight)
        for i in range(1, count + 1)
    )


def check_limits(spec) -> None:
    assert len(spec.title) <= LIMITS.title
    assert len(spec.description) <= LIMITS.description
    assert len(spec.footer) <= LIMITS.footer
    assert len(spec.fields) <= LIMITS.fields
    for name, value in spec.fields:
        assert 0 < len(name) <= LIMITS.field_name
        assert 0 < len(value) <= LIMITS.field_value
    assert spec.total_length() <= LIMITS.total
    assert len(to_embed(spec)) <= LIMITS.total  # discord.py's own count agrees


def test_everything_over_the_limits_is_cut_to_fit():
    question = "Why " + "did he really " * 400 + "leave Norway?"
    answer = Answer(question, hits(30, WORDS * 100, section="S" * 400), abstained=False)
    spec = answer_embed(answer, answer.hits)
    check_limits(spec)
    assert len(spec.fields) == LIMITS.fields
    assert spec.title.startswith("Q: Why did he really") and spec.title.endswith("…")
    assert all(value.endswith("…") for _, value in spec.fields)


def test_five_long_passages_use_the_full_field_value():
    answer = Answer("Who?", hits(5, WORDS * 40), abstained=False)
    spec = answer_embed(answer, answer.hits)
    check_limits(spec)
    assert all(len(value) > LIMITS.field_value - 80 for _, value in spec.fields)
    assert spec.footer == FOOTER


def test_cuts_are_clean_at_a_word():
    text = shorten("The quick brown fox jumps over the lazy dog", 20)
    assert text == "The quick brown fox…"
    assert len(shorten("x" * 5000, 256)) == 256


def test_highlight_is_bold_and_kept_when_cut():
    highlight = "The oil derricks of Tampico reminded us of Baku."
    text = WORDS * 30 + highlight + " " + WORDS * 30
    quote = discord_quote(text, highlight, LIMITS.field_value)
    assert f"**{highlight}** " in quote  # the words after it keep their space
    assert len(quote) <= LIMITS.field_value
    assert quote.startswith("…") and quote.endswith("…")
    assert discord_quote("Short. " + highlight, highlight, 1024) == f"Short. **{highlight}**"


def test_source_markdown_is_shown_literally():
    assert escape_markdown("*not bold* and _not italic_ ||no spoiler|| [x](y)") == (
        r"\*not bold\* and \_not italic\_ \|\|no spoiler\|\| \[x\](y)"
    )
    assert escape_markdown("# not a heading") == r"\# not a heading"


def test_abstaining_answer_says_so_and_shows_passages():
    answer = Answer("What is borscht?", hits(3, WORDS), abstained=True)
    spec = answer_embed(answer, answer.hits)
    assert spec.description == (
        "*Pages From Trotsky’s Journal* doesn't seem to discuss this. The closest passages:"
    )
    assert len(spec.fields) == 3
    check_limits(spec)


def test_hits_in_the_texts_own_order_say_so():
    for order, note in (("entry", "of the entry"), ("text", "at that edge of the text")):
        answer = Answer("How does it end?", hits(2, WORDS), abstained=False, order=order)
        spec = answer_embed(answer, answer.hits)
        assert spec.description == f"The passages {note}, in its own order:"


def test_pages_in_footer():
    answer = Answer("Who?", hits(6, WORDS), abstained=False)
    spec = answer_embed(answer, answer.hits[3:], page=2, pages=2)
    assert spec.footer == FOOTER + " Page 2/2."
    assert [name[:2] for name, _ in spec.fields] == ["4.", "5.", "6."]


@pytest.mark.parametrize("length", [10, 1999, 2000, 2001, 10_000])
def test_plain_messages_within_the_content_limit(length):
    assert len(discord_message("a " * length)) <= LIMITS.content
