"""The answering sentence, emphasized: bold on a terminal, **marked** when piped, bold in
Discord; date notes shown above the passages."""

from __future__ import annotations

from qabot.formatting.discord import answer_embed
from qabot.formatting.records import answer_record
from qabot.formatting.terminal import emphasize, render_answer, render_timeline
from qabot.types import Answer, DocumentTimeline, Hit, Passage, TimelineEntry

TEXT = "The ship left at dawn. We read Ibsen on deck.\n\nA storm   kept us below."


def hit(highlight: str | None) -> Hit:
    passage = Passage(
        id=1,
        text=TEXT,
        embed_text=TEXT,
        source="j.txt",
        title="Voyage",
        section="Out",
        date="1930-05-02",
        paragraphs=(1, 2),
        start=0,
        end=len(TEXT),
        tokens=20,
    )
    return Hit(
        passage, rank=1, score=0.5, relevance=0.5, cosine=0.6, highlight=highlight, match="both"
    )


def answer(highlight: str | None, notes: tuple[str, ...] = ()) -> Answer:
    return Answer("Who read Ibsen?", (hit(highlight),), abstained=False, notes=notes)


def test_emphasis_styles():
    marked = render_answer(answer("We read Ibsen on deck."), 88, "markdown")
    assert "The ship left at dawn. **We read Ibsen on deck.**" in marked
    ansi = render_answer(answer("We read Ibsen on deck."), 88, "ansi")
    assert "\x1b[1mWe read Ibsen on deck.\x1b[0m" in ansi
    plain = render_answer(answer("We read Ibsen on deck."), 88, "none")
    assert "*" not in plain and "\x1b" not in plain


def test_highlight_in_a_later_paragraph_and_collapsed_spaces():
    assert emphasize(TEXT, "A storm kept us below.") == (
        "The ship left at dawn. We read Ibsen on deck.\n\n\x01\x01A storm kept us below.\x02\x02"
    )  # placeholders as wide as the "**" they stand for
    assert emphasize(TEXT, "not in the text") == emphasize(TEXT, None)


def test_wrapping_keeps_the_markers_balanced():
    for width in range(40, 70):  # the markers take their columns: no line is wider
        out = render_answer(answer("We read Ibsen on deck."), width, "markdown")
        assert out.count("**") == 2 and max(len(line) for line in out.splitlines()) <= width


def test_notes_come_first_everywhere():
    note = "The text has no entry for May 3, 1930; showing the nearest entries (May 2, 1930)."
    rendered = render_answer(answer(None, (note,)), 100, "none")
    assert rendered.splitlines()[2] == note
    assert answer_record(answer(None, (note,)))["notes"] == [note]
    embed = answer_embed(answer("We read Ibsen on deck.", (note,)), [hit("We read Ibsen on deck.")])
    assert embed.description.startswith("The text has no entry for May 3, 1930")
    assert "**We read Ibsen on deck.**" in embed.fields[0][1]


def test_json_is_strict_a_score_that_is_not_finite_is_an_error():
    """`"cosine": NaN` is not JSON: the one writer of records refuses it."""
    import math

    import pytest

    from qabot.formatting.records import dumps

    assert dumps({"score": 0.5}) == '{"score": 0.5}'
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            dumps({"cosine": bad})


def test_the_timeline_counts_one_passage_and_many():
    entries = (TimelineEntry("1660-04-01", "Mr. Ibbott preached very well.", 1),)
    entries += (TimelineEntry("1660-04-03", "Late to bed.", 2),)
    document = DocumentTimeline("april.xhtml", "April 1660", entries, (), 0)
    lines = render_timeline([document]).splitlines()
    assert lines[1].startswith("  April 1, 1660  (1 passage)  Mr. Ibbott"), lines[1]
    assert lines[2].startswith("  April 3, 1660  (2 passages)  Late to bed."), lines[2]
    assert all(len(line) <= 88 for line in lines)
