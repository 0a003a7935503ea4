"""The bot's mention and DM flows through dpytest, with the real search service."""

from __future__ import annotations

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio

from qabot.bot import NO_MENTIONS, Qabot
from qabot.formatting.discord import FOOTER


@pytest_asyncio.fixture
async def bot(real_service):
    settings = real_service.settings.model_copy(update={"discord_cooldown_rate": 100})
    intents = discord.Intents.default()
    intents.members = True  # dpytest resolves mentions from the member cache
    intents.message_content = True
    client = Qabot(real_service, settings, intents=intents)
    await client._async_setup_hook()
    dpytest.configure(client, members=2)
    sent: list[dict] = []
    original = discord.abc.handle_message_parameters

    def recording(*args, **kwargs):
        params = original(*args, **kwargs)
        sent.append(params.payload)
        return params

    discord.abc.handle_message_parameters = recording
    client.sent_payloads = sent
    yield client
    discord.abc.handle_message_parameters = original
    await dpytest.empty_queue()


def assert_no_pings(payloads: list[dict]) -> None:
    assert payloads, "the bot sent nothing"
    for payload in payloads:
        allowed = payload["allowed_mentions"]
        assert allowed["parse"] == []  # no @everyone/@here, roles or users from the text
        assert not allowed.get("users") and not allowed.get("roles")
        assert allowed.get("replied_user", False) is False


async def test_mention_in_a_channel_gets_a_cited_answer(bot):
    await dpytest.message(f"<@{bot.user.id}> who was the Norwegian police officer on the voyage?")
    message = dpytest.get_message()
    embed = message.embeds[0]
    assert embed.title == "Q: who was the Norwegian police officer on the voyage?"
    assert len(embed.fields) == 3
    assert embed.footer.text.startswith(FOOTER)
    assert any("Jonas Lie" in field.value for field in embed.fields)
    assert all(field.name.startswith(f"{i}. Pages From Trotsky’s Journal — ") for i, field in
               enumerate(embed.fields, start=1))  # fmt: skip
    assert_no_pings(bot.sent_payloads)


async def test_direct_message_gets_the_same_answer(bot):
    member = dpytest.get_config().members[0]
    channel = await member.create_dm()
    await dpytest.message("Where did they embrace Diego Rivera?", channel=channel, member=member)
    message = dpytest.get_message()
    assert isinstance(message.channel, discord.DMChannel)
    embed = message.embeds[0]
    assert embed.title == "Q: Where did they embrace Diego Rivera?"
    assert "Lecheria" in " ".join(field.value for field in embed.fields)
    assert_no_pings(bot.sent_payloads)


async def test_messages_without_a_mention_are_ignored(bot):
    await dpytest.message("who was the Norwegian police officer?")
    assert dpytest.verify().message().nothing()


async def test_hostile_mentions_are_echoed_without_pinging(bot):
    await dpytest.message(
        f"<@{bot.user.id}> @everyone @here <@&123456789012345678> who was Turkul?"
    )
    message = dpytest.get_message()
    assert "@everyone" in message.embeds[0].title
    assert_no_pings(bot.sent_payloads)


async def test_mention_without_a_question_gets_a_polite_hint(bot):
    await dpytest.message(f"<@{bot.user.id}>")
    message = dpytest.get_message()
    assert message.content.startswith("Please ask a question")
    assert not message.embeds


async def test_overlong_question_is_refused_politely(bot):
    await dpytest.message(f"<@{bot.user.id}> " + "why " * 400)
    assert "too long" in dpytest.get_message().content


async def test_cooldown_answers_a_flood_politely(bot):
    bot.settings = bot.settings.model_copy(update={"discord_cooldown_rate": 2})
    bot._cooldowns.clear()
    for _ in range(3):
        await dpytest.message(f"<@{bot.user.id}> who was Turkul?")
    replies = [dpytest.get_message() for _ in range(3)]
    assert [bool(r.embeds) for r in replies] == [True, True, False]
    assert replies[2].content.startswith("You're asking quickly; please wait")


async def test_handler_exception_is_logged_and_apologized(bot, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(bot.maintainer.library(), "ask", explode)
    await dpytest.message(f"<@{bot.user.id}> who was Turkul?")
    reply = dpytest.get_message()
    assert (
        reply.content
        == "Sorry, something went wrong while answering. Please try again in a moment."
    )
    assert "Traceback" not in reply.content and "index exploded" not in reply.content
    assert "index exploded" in caplog.text


def test_client_disables_mentions_globally(real_service):
    client = Qabot(real_service, real_service.settings)
    assert client.allowed_mentions == NO_MENTIONS


@pytest.mark.parametrize("granted", [True, False])
def test_message_content_intent_follows_the_setting(real_service, granted):
    settings = real_service.settings.model_copy(update={"discord_message_content": granted})
    assert Qabot(real_service, settings).intents.message_content is granted
