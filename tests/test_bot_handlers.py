"""The /ask handler and the More button called directly, with the real search service.

Discord's side is a small recorder of the calls the handler makes (defer, send, edit);
retrieval, rendering and limits are all real.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from qabot import bot as bot_module
from qabot.bot import APOLOGY, NO_MENTIONS, MoreView, Qabot, check_token, run_bot
from qabot.errors import ConfigError
from qabot.formatting.discord import LIMITS


@dataclass
class Recorder:
    """Records what a handler does with an interaction, in order."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    done: bool = False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, **kwargs: Any) -> None:
        self.calls.append(("defer", kwargs))
        self.done = True

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        self.calls.append(("send_message", {"content": content, **kwargs}))
        self.done = True

    async def edit_message(self, **kwargs: Any) -> None:
        self.calls.append(("edit_message", kwargs))

    async def send(self, content: str | None = None, **kwargs: Any) -> None:
        self.calls.append(("followup", {"content": content, **kwargs}))


@dataclass
class FakeUser:
    id: int


class FakeInteraction:
    def __init__(self, user_id: int = 42) -> None:
        self.user = FakeUser(user_id)
        self.recorder = Recorder()
        self.response = self.recorder
        self.followup = self.recorder


@pytest.fixture
def client(real_service):
    settings = real_service.settings.model_copy(update={"discord_cooldown_rate": 1000})
    return Qabot(real_service, settings)


def embed_within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= LIMITS.title
    assert len(embed.description or "") <= LIMITS.description
    assert len(embed.fields) <= LIMITS.fields
    for item in embed.fields:
        assert 0 < len(item.name) <= LIMITS.field_name
        assert 0 < len(item.value) <= LIMITS.field_value
    assert len(embed) <= LIMITS.total


async def test_slash_ask_defers_then_answers(client, monkeypatch):
    order: list[str] = []
    library = client.maintainer.library()
    real_ask = library.ask
    monkeypatch.setattr(library, "ask", lambda *a: order.append("search") or real_ask(*a))
    interaction = FakeInteraction()
    original_defer = interaction.recorder.defer

    async def defer(**kwargs):
        order.append("defer")
        await original_defer(**kwargs)

    interaction.recorder.defer = defer
    await client.handle_ask(interaction, "When did the second Moscow trial begin?", None)
    assert order == ["defer", "search"]  # acknowledged before any computing
    kind, sent = interaction.recorder.calls[-1]
    assert kind == "followup" and sent["allowed_mentions"] == NO_MENTIONS
    embed = sent["embed"]
    assert embed.title == "Q: When did the second Moscow trial begin?"
    assert len(embed.fields) == 3
    assert "the trial began in Moscow" in " ".join(f.value for f in embed.fields)
    assert embed.fields[0].name.startswith("1. Pages From Trotsky’s Journal — ")
    embed_within_limits(embed)
    assert isinstance(sent["view"], MoreView)


async def test_results_option_sets_the_number_of_passages(client):
    interaction = FakeInteraction()
    await client.handle_ask(interaction, "Who was Turkul?", 5)
    assert len(interaction.recorder.calls[-1][1]["embed"].fields) == 5


@pytest.mark.parametrize(
    ("question", "reply"),
    [("", "Please ask a question"), ("   ", "Please ask a question"), ("w" * 1500, "too long")],
)
async def test_bad_questions_get_a_polite_ephemeral_reply(client, question, reply):
    interaction = FakeInteraction()
    await client.handle_ask(interaction, question, None)
    ((kind, sent),) = interaction.recorder.calls
    assert kind == "send_message" and sent["ephemeral"] is True
    assert reply in sent["content"]


async def test_cooldown_on_slash(real_service):
    settings = real_service.settings.model_copy(
        update={"discord_cooldown_rate": 1, "discord_cooldown_seconds": 60}
    )
    client = Qabot(real_service, settings)
    first, second, other = FakeInteraction(7), FakeInteraction(7), FakeInteraction(8)
    for interaction in (first, second, other):
        await client.handle_ask(interaction, "Who was Turkul?", None)
    assert first.recorder.calls[-1][0] == "followup"
    assert second.recorder.calls == [("send_message", second.recorder.calls[0][1])]
    assert second.recorder.calls[0][1]["content"].startswith("You're asking quickly")
    assert second.recorder.calls[0][1]["ephemeral"] is True
    assert other.recorder.calls[-1][0] == "followup"  # cooldowns are per user


async def test_tree_error_gets_an_apology_not_a_traceback(client):
    interaction = FakeInteraction()
    await interaction.recorder.defer()
    command = client.tree.get_command("ask")
    error = discord.app_commands.CommandInvokeError(command, RuntimeError("boom"))
    await client._on_tree_error(interaction, error)
    kind, sent = interaction.recorder.calls[-1]
    assert kind == "followup" and sent["content"] == APOLOGY and sent["ephemeral"] is True


async def test_more_button_pages_for_the_asker_only(client):
    interaction = FakeInteraction(user_id=1)
    await client.handle_ask(interaction, "What did Kamenev say about Stalin?", 2)
    view: MoreView = interaction.recorder.calls[-1][1]["view"]
    first_page = interaction.recorder.calls[-1][1]["embed"]
    assert view.pages.count == 3 and not view.more.disabled

    stranger = FakeInteraction(user_id=2)
    await view.more.callback(stranger)
    ((kind, sent),) = stranger.recorder.calls
    assert (
        kind == "send_message"
        and sent["ephemeral"]
        and "Only the person who asked" in sent["content"]
    )
    assert view.page == 1

    asker = FakeInteraction(user_id=1)
    await view.more.callback(asker)
    kind, sent = asker.recorder.calls[-1]
    assert kind == "edit_message" and view.page == 2
    second_page = sent["embed"]
    assert [f.name[:2] for f in second_page.fields] == ["3.", "4."]
    assert {f.value for f in second_page.fields}.isdisjoint({f.value for f in first_page.fields})
    await view.more.callback(FakeInteraction(user_id=1))
    assert view.page == 3 and view.more.disabled


async def test_more_button_expires(client):
    interaction = FakeInteraction()
    await client.handle_ask(interaction, "Who was Turkul?", None)
    view: MoreView = interaction.recorder.calls[-1][1]["view"]
    assert view.timeout == client.settings.discord_more_timeout
    await view.on_timeout()
    assert view.more.disabled


async def test_event_loop_keeps_ticking_during_a_burst(client):
    """20 simultaneous questions: a ticker coroutine must keep its cadence.

    The embedder is slowed to 0.3 s per call (sleeping, like torch releasing the GIL), so a
    handler that computed on the loop would stall the ticker by at least 0.3 s.
    """
    embedder = client.maintainer.query_embedder()  # the one questions are embedded with
    real_embed = embedder.embed

    def slow_embed(texts, **kwargs):
        time.sleep(0.3)
        return real_embed(texts, **kwargs)

    embedder.embed = slow_embed  # type: ignore[method-assign]
    try:
        gaps: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        interactions = [FakeInteraction(user_id=i) for i in range(20)]
        started = time.perf_counter()
        await asyncio.gather(*(client.handle_ask(x, f"Who was Turkul? ({i})", None)
                               for i, x in enumerate(interactions)))  # fmt: skip
        elapsed = time.perf_counter() - started
        stop.set()
        await ticking
    finally:
        embedder.embed = real_embed  # type: ignore[method-assign]
    assert all(x.recorder.calls[-1][0] == "followup" for x in interactions)
    assert elapsed >= 0.3 * 20 / client.settings.discord_max_concurrent * 0.9
    assert max(gaps) < 0.25, f"event loop stalled {max(gaps):.3f} s"
    print(f"burst of 20: {elapsed:.2f} s, worst tick gap {max(gaps) * 1000:.0f} ms, "
          f"median {statistics.median(gaps) * 1000:.0f} ms")  # fmt: skip


async def test_concurrent_real_questions_are_all_answered(client):
    questions = ["Who was Turkul?", "Where is Lecheria?", "Who was Kluckhohn?", "What is Tampico?"]
    interactions = [FakeInteraction(user_id=i) for i in range(len(questions) * 3)]
    await asyncio.gather(*(client.handle_ask(x, questions[i % 4], None)
                           for i, x in enumerate(interactions)))  # fmt: skip
    titles = [x.recorder.calls[-1][1]["embed"].title for x in interactions]
    assert titles == [f"Q: {questions[i % 4]}" for i in range(len(interactions))]


# ------------------------------------------------------------------ token and start-up


@pytest.mark.parametrize("token", [None, "", "   ", "abc", "not.a.token", "x" * 70])
def test_missing_or_malformed_token_is_a_config_error(real_service, token):
    secret = None if token is None else SecretStr(token)
    settings = real_service.settings.model_copy(update={"discord_token": secret})
    with pytest.raises(ConfigError, match="QABOT_DISCORD_TOKEN") as caught:
        check_token(settings)
    assert caught.value.exit_code == 2
    if token and token.strip():
        assert token not in str(caught.value)


FAKE_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nw.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_run_bot_loads_everything_before_connecting(real_service, monkeypatch, caplog):
    settings = real_service.settings.model_copy(update={"discord_token": SecretStr(FAKE_TOKEN)})
    events: list[str] = []
    monkeypatch.setattr(real_service, "warm_up", lambda: events.append("warm_up"))

    async def fake_start(self, token, *, reconnect=True):
        events.append("connect")
        assert isinstance(self, bot_module.ShardedQabot)
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(bot_module.ShardedQabot, "start", fake_start)
    with pytest.raises(
        ConfigError, match="Discord refused the token in QABOT_DISCORD_TOKEN"
    ) as caught:
        run_bot(settings, real_service)
    assert events == ["warm_up", "connect"]
    assert FAKE_TOKEN not in str(caught.value) and FAKE_TOKEN not in caught.value.__str__()
    assert FAKE_TOKEN not in caplog.text and FAKE_TOKEN not in repr(settings)


def test_denied_message_content_intent_falls_back(real_service, monkeypatch, caplog):
    settings = real_service.settings.model_copy(update={"discord_token": SecretStr(FAKE_TOKEN)})
    monkeypatch.setattr(real_service, "warm_up", lambda: None)
    seen: list[bool] = []

    async def fake_start(self, token, *, reconnect=True):
        seen.append(self.intents.message_content)
        if self.intents.message_content:
            raise discord.PrivilegedIntentsRequired(shard_id=None)

    monkeypatch.setattr(bot_module.ShardedQabot, "start", fake_start)
    run_bot(settings, real_service)
    assert seen == [True, False]
    assert "message content intent is not enabled" in caplog.text
