"""The bot's reading commands and buttons, called directly with the real service:
/ask with date and section, /entry, /timeline, /verify, ◀ ▶ under each passage."""

from __future__ import annotations

import discord
import pytest

from qabot.bot import NO_MENTIONS, MoreView, ReadOnButton, ReadView
from tests.test_bot_handlers import FakeInteraction, client, embed_within_limits  # noqa: F401

pytestmark = pytest.mark.e2e


def last(interaction: FakeInteraction) -> dict:
    kind, sent = interaction.recorder.calls[-1]
    assert sent["allowed_mentions"] == NO_MENTIONS, kind
    return sent


async def test_ask_takes_date_and_section_with_autocomplete(client):  # noqa: F811
    choices = await client.complete_date(FakeInteraction(), "jan")
    assert [(c.name, c.value) for c in choices] == [("January 9, 1937", "1937-01-09")]
    sections = await client.complete_section(FakeInteraction(), "mexico")
    assert [c.value for c in sections] == ["In Mexico"]
    interaction = FakeInteraction()
    await client.handle_ask(interaction, "Who met them?", 3, date="1937-01-09", section="In Mexico")
    embed = last(interaction)["embed"]
    assert all("In Mexico — January 9, 1937" in f.name for f in embed.fields)
    embed_within_limits(embed)
    wrong = FakeInteraction()
    await client.handle_ask(wrong, "Who?", None, section="Nowhere")
    assert last(wrong)["content"].startswith("section: no such section; sections: ")
    assert last(wrong)["ephemeral"]


async def test_read_on_buttons_under_each_passage_page_through_the_document(client):  # noqa: F811
    interaction = FakeInteraction(user_id=1)
    await client.handle_ask(interaction, "Who met Trotsky at Tampico?", 3)
    view = last(interaction)["view"]
    assert isinstance(view, MoreView)
    buttons = [b for b in view.children if isinstance(b, ReadOnButton)]
    assert {b.label for b in buttons} >= {"◀ 1", "1 ▶", "◀ 2", "2 ▶", "◀ 3", "3 ▶"}
    forward = next(b for b in buttons if b.label == "1 ▶")
    stranger = FakeInteraction(user_id=2)  # anyone in the channel may read on
    await forward.callback(stranger)
    sent = last(stranger)
    assert sent["ephemeral"] and isinstance(sent["view"], ReadView)
    reading: ReadView = sent["view"]
    first = reading.passage
    assert sent["embed"].fields[0].name == str(first.citation)
    assert reading.timeout == client.settings.discord_more_timeout  # expires like More
    await reading.forward.callback(stranger)
    kind, edited = stranger.recorder.calls[-1]
    assert kind == "edit_message" and reading.passage != first
    assert edited["embed"].fields[0].name == str(reading.passage.citation)
    await reading.back.callback(stranger)
    assert reading.passage == first
    embed_within_limits(edited["embed"])


async def test_entry_and_timeline(client):  # noqa: F811
    interaction = FakeInteraction()
    await client.handle_entry(interaction, "January 9")
    sent = last(interaction)
    embed = sent["embed"]
    assert embed.title == "Entry of January 9, 1937"
    assert embed.fields[0].value.startswith("In the hot tropical morning our tanker")
    assert isinstance(sent["view"], ReadView)
    embed_within_limits(embed)
    nearest = FakeInteraction()
    await client.handle_entry(nearest, "Jan 5 1937")
    assert last(nearest)["embed"].description.startswith("The text has no entry for January 5")
    bad = FakeInteraction()
    await client.handle_entry(bad, "someday")
    assert "is not a day" in last(bad)["content"]
    timeline = FakeInteraction()
    await client.handle_timeline(timeline)
    embed = last(timeline)["embed"]
    assert embed.title == "Timeline" and "**January 9, 1937** (16)" in embed.description
    embed_within_limits(embed)


EXACT = "On the 21st I answered it with an article"
CLOSE = "We are not allowed to use the radio."
ABSENT = "Old age is the most unexpected of all things."


@pytest.mark.parametrize(
    ("quote", "title", "marks"),
    [
        (EXACT, "In the text, word for word:", "**On the 21st 1 answered it with an article**"),
        (CLOSE, "Close, but the text says it otherwise:", "~~allowed~~ **permitted**"),
        (ABSENT, "Not in the text. The passages nearest in meaning:", ""),
    ],
)
async def test_verify(client, quote: str, title: str, marks: str):  # noqa: F811
    interaction = FakeInteraction()
    await client.handle_verify(interaction, quote)
    sent = last(interaction)
    embed: discord.Embed = sent["embed"]
    assert embed.title == title
    if marks:  # a passage of the text: ◀ ▶ to read around it
        view = sent["view"]
        assert isinstance(view, ReadView)
        assert str(view.passage.citation) in embed.fields[0].name
    assert marks in " ".join(f.value for f in embed.fields)
    assert embed.fields and all("Pages From Trotsky’s Journal" in f.name for f in embed.fields)
    embed_within_limits(embed)
