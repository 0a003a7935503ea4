"""The Discord bot: `/ask`, mentions and DMs, answered with quoted passages.

A thin shell over the index maintainer and its library. Each answer reads the library
once (a hot reload swaps it between questions, never during one). Retrieval runs in
worker threads (``asyncio.to_thread``) so the gateway heartbeat never waits; every
message is sent with mentions disabled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from qabot.dates import date_label
from qabot.errors import ConfigError, NetworkError, QuestionError
from qabot.formatting.discord import (
    EmbedSpec,
    answer_embed,
    discord_message,
    passages_embed,
    reading_embed,
    timeline_embed,
    verdict_embed,
)
from qabot.formatting.labels import shorten
from qabot.library import Library
from qabot.maintainer import IndexMaintainer
from qabot.search.query import PART_CHOICES, FilterError, Filters, Query
from qabot.settings import Settings
from qabot.types import Answer, Hit

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MAX_RESULTS = 5  # per page, the `results` option's upper bound
MAX_PAGES = 3  # the More button pages through up to MAX_PAGES × results passages
APOLOGY = "Sorry, something went wrong while answering. Please try again in a moment."
NO_TEXT = (
    "I can't read the text of your message (the message content intent is not granted). "
    "Use the /ask command instead."
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
EMBED_COLOUR = 0x8B0000


def check_token(settings: Settings) -> str:
    """The bot token, or ConfigError (exit 2) that never shows the value."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise ConfigError(
            "QABOT_DISCORD_TOKEN is not set; put the bot token in the environment or .env "
            "(Developer Portal → your application → Bot → Reset Token)"
        )
    token = settings.discord_token.get_secret_value().strip()
    if not _TOKEN.match(token):
        raise ConfigError(
            "QABOT_DISCORD_TOKEN does not look like a Discord bot token (three dot-separated "
            "parts); copy it again from the Developer Portal → Bot → Reset Token"
        )
    return token


def to_embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(
        title=spec.title, description=spec.description or None, colour=EMBED_COLOUR
    )
    for name, value in spec.fields:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=spec.footer)
    return embed


def question_from_message(content: str, bot_id: int) -> str:
    """The message text without the bot's mention(s)."""
    return re.sub(rf"<@!?{bot_id}>", " ", content).strip()


class Pages:
    """An answer split into pages of ``per_page`` hits, for the More button, and the
    library that answered (reading on from a hit reads the same one)."""

    def __init__(self, answer: Answer, per_page: int, library: Library | None = None) -> None:
        self.answer = answer
        self.per_page = per_page
        self.library = library
        self.count = max(1, -(-len(answer.hits) // per_page))

    def hits(self, page: int) -> Sequence[Hit]:
        return self.answer.hits[(page - 1) * self.per_page : page * self.per_page]

    def embed(self, page: int) -> discord.Embed:
        spec = answer_embed(self.answer, self.hits(page), page=page, pages=self.count)
        return to_embed(spec)


class MoreView(discord.ui.View):
    """The More button: next page of results, for the asker only, until it times out."""

    def __init__(self, pages: Pages, asker_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.asker_id = asker_id
        self.page = 1
        self.message: discord.Message | None = None
        self.library = pages.library
        self._sync_button()

    def _sync_button(self) -> None:
        self.more.disabled = self.page >= self.pages.count
        self.more.label = "More" if self.page < self.pages.count else "No more results"
        for item in [i for i in self.children if isinstance(i, ReadOnButton)]:
            self.remove_item(item)
        if self.library is None:
            return
        for place, hit in enumerate(self.pages.hits(self.page)):  # ◀ n  n ▶ under each one
            for step in (-1, 1):
                target = hit.prev_id if step < 0 else hit.next_id
                if target is not None:
                    row = 1 + place // 2
                    self.add_item(
                        ReadOnButton(self.library, hit.rank, target, step, row, self.timeout)
                    )

    @discord.ui.button(label="More", style=discord.ButtonStyle.secondary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(
                "Only the person who asked can page through these results; ask your own with /ask.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        self.page = min(self.page + 1, self.pages.count)
        self._sync_button()
        await interaction.response.edit_message(
            embed=self.pages.embed(self.page), view=self, allowed_mentions=NO_MENTIONS
        )

    async def on_timeout(self) -> None:
        self.more.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException:
                log.debug("could not disable the More button (message gone?)")


class ReadOnButton(discord.ui.Button["MoreView"]):
    """◀ n / n ▶: the passage before or after hit n, shown to whoever clicks (anyone)."""

    def __init__(
        self, library: Library, rank: int, target: int, step: int, row: int, timeout: float | None
    ) -> None:
        label = f"◀ {rank}" if step < 0 else f"{rank} ▶"
        super().__init__(label=label, style=discord.ButtonStyle.secondary, row=row)
        self.library, self.target, self.timeout = library, target, timeout or 300.0

    async def callback(self, interaction: discord.Interaction) -> None:
        view = ReadView(self.library, self.target, self.timeout)
        await interaction.response.send_message(
            embed=view.embed(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class ReadView(discord.ui.View):
    """One passage of a document, with ◀ ▶ to page through it (the clicker's own view)."""

    def __init__(self, library: Library, passage_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.library = library
        self.passage = library.passage(passage_id)
        self._sync()

    def embed(self) -> discord.Embed:
        reading = self.library.read(self.passage.id)
        return to_embed(reading_embed(f"Reading: {self.passage.title}", reading))

    def _sync(self) -> None:
        before, after = self.library.neighbours(self.passage.id)
        self.back.disabled = before is None
        self.forward.disabled = after is None

    async def _go(self, interaction: discord.Interaction, step: int) -> None:
        before, after = self.library.neighbours(self.passage.id)
        target = before if step < 0 else after
        if target is not None:
            self.passage = self.library.passage(target)
        self._sync()
        await interaction.response.edit_message(
            embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="◀", style=discord.ButtonStyle.secondary)
    async def back(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._go(interaction, -1)

    @discord.ui.button(label="▶", style=discord.ButtonStyle.secondary)
    async def forward(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._go(interaction, 1)


def intents_for(settings: Settings, message_content: bool) -> discord.Intents:
    """Only the gateway events the bot reads: servers, their messages, DMs (and message
    text when enabled). The default set would add typing, reactions, voice, invites …:
    events a large server sends by the thousand and the bot never looks at."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content and settings.discord_message_content
    return intents


class QabotHandlers(discord.Client):
    """The bot's behaviour, shared by the sharded production client and the test client.

    A ``discord.Client``; ``ShardedQabot`` puts ``AutoShardedClient`` after it in the
    method order, so the same constructor and handlers run on either transport."""

    maintainer: IndexMaintainer
    settings: Settings
    tree: app_commands.CommandTree

    def __init__(
        self,
        maintainer: IndexMaintainer,
        settings: Settings,
        *,
        message_content: bool = True,
        intents: discord.Intents | None = None,
        **options: Any,
    ) -> None:
        intents = intents or intents_for(settings, message_content)
        super().__init__(intents=intents, allowed_mentions=NO_MENTIONS, **options)
        self.maintainer = maintainer
        self.settings = settings
        self._cooldowns: dict[int, app_commands.Cooldown] = {}
        self._slots = asyncio.Semaphore(settings.discord_max_concurrent)
        self._reload_task: asyncio.Task[None] | None = None
        self.tree = app_commands.CommandTree(self)
        self.tree.error(self._on_tree_error)
        handlers = self

        @self.tree.command(name="ask")
        @app_commands.describe(
            question="Your question about the text",
            results="How many passages to show (1–5)",
            date="Only this dated entry (YYYY-MM-DD, or MM-DD when the text gives no year)",
            section="Only this section",
            part="Which parts of the book: the text (first, by default), notes, editorial, all",
        )
        @app_commands.autocomplete(date=handlers.complete_date, section=handlers.complete_section)
        @app_commands.choices(part=[app_commands.Choice(name=p, value=p) for p in PART_CHOICES])
        async def ask(
            interaction: discord.Interaction,
            question: str,
            results: app_commands.Range[int, 1, MAX_RESULTS] | None = None,
            date: str | None = None,
            section: str | None = None,
            part: str | None = None,
        ) -> None:
            """Ask about the text; the answer quotes its passages, with citations."""
            await handlers.handle_ask(
                interaction, question, results, date=date, section=section, part=part
            )

        @self.tree.command(name="entry")
        @app_commands.describe(date="The day: 1937-01-09, January 9, Jan 9 1937")
        @app_commands.autocomplete(date=handlers.complete_date)
        async def entry(interaction: discord.Interaction, date: str) -> None:
            """Read the journal entry of a day, from its beginning."""
            await handlers.handle_entry(interaction, date)

        @self.tree.command(name="timeline")
        async def timeline(interaction: discord.Interaction) -> None:
            """The entries and sections of each text, in order."""
            await handlers.handle_timeline(interaction)

        @self.tree.command(name="verify")
        @app_commands.describe(quote="The quotation to check against the text")
        async def verify(interaction: discord.Interaction, quote: str) -> None:
            """Is this quotation in the text? Exact, close (with the differences) or absent."""
            await handlers.handle_verify(interaction, quote)

    async def setup_hook(self) -> None:
        if self.settings.reload_seconds > 0:
            self._reload_task = asyncio.create_task(self.reload_loop(), name="qabot-reload")
        await self.sync_commands()

    async def close(self) -> None:
        if self._reload_task is not None:
            self._reload_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload_task
        await super().close()

    async def reload_once(self) -> bool:
        """Swap in a new index if `qabot index`/`qabot watch` saved one; never raises.

        Loading runs in a worker thread; questions in flight finish on the index they
        started with. A new index that cannot be loaded is logged and the old one kept.
        """
        try:
            swapped = await asyncio.to_thread(self.maintainer.reload_if_changed)
        except Exception as error:  # the bot must keep answering
            log.error("could not load the new index, still answering from the old one: %s", error)
            return False
        if swapped:
            library = self.maintainer.current
            log.info("loaded the new index: %d passages", len(library) if library else 0)
        return swapped

    async def reload_loop(self) -> None:
        """Check for a new index every ``reload_seconds``."""
        while True:
            await asyncio.sleep(self.settings.reload_seconds)
            await self.reload_once()

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))

    async def sync_commands(self) -> None:
        """Register /ask globally, and in one server at once when configured."""
        if self.settings.discord_guild_id:
            guild = discord.Object(id=self.settings.discord_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        await self.tree.sync()

    # ------------------------------------------------------------------ shared steps

    def retry_after(self, user_id: int) -> float | None:
        """Seconds the user must wait, or None when they may ask now."""
        bucket = self._cooldowns.get(user_id)
        if bucket is None:
            bucket = app_commands.Cooldown(
                self.settings.discord_cooldown_rate, self.settings.discord_cooldown_seconds
            )
            self._cooldowns[user_id] = bucket
        return bucket.update_rate_limit()

    async def library(self) -> Library:
        """The live library (loaded off the event loop the first time)."""
        return await asyncio.to_thread(self.maintainer.library)

    async def answer(self, query: Query, per_page: int) -> Pages:
        """Search off the event loop; enough hits for every page of the More button."""
        async with self._slots:
            library = await self.library()
            answer = await asyncio.to_thread(library.ask, query)
        return Pages(answer, per_page, library)

    def query(self, question: str, k: int, filters: Filters | None = None) -> Query:
        """The question validated once (QuestionError / FilterError when unusable)."""
        return Query.make(question, k, filters, max_chars=self.settings.max_question_chars)

    async def respond(
        self,
        question: str,
        asker_id: int,
        per_page: int,
        acknowledge: Callable[[], Awaitable[object]],
        filters: Filters | None = None,
    ) -> str | Pages:
        """The one path for /ask, mentions and DMs: a refusal to send, or the answer pages.

        Validates the question and the asker's cooldown first (a refusal is sent at once),
        then ``acknowledge`` (defer, or a typing indicator), then answers off the loop.
        """
        try:
            query = self.query(question, per_page * MAX_PAGES, filters)
        except FilterError as error:
            return f"{error.field}: {error.reason}"
        except QuestionError as error:
            return self._polite(error)
        wait = self.retry_after(asker_id)
        if wait is not None:
            return f"You're asking quickly; please wait {wait:.0f} s and try again."
        await acknowledge()
        try:
            return await self.answer(query, per_page)
        except FilterError as error:  # an unknown section: named as the option
            return f"{error.field}: {error.reason}"

    def _polite(self, error: QuestionError) -> str:
        limit = self.settings.max_question_chars
        if "empty" in str(error):
            return "Please ask a question, e.g. `/ask question: Who met Trotsky at Tampico?`"
        return f"That question is too long; please keep it under {limit} characters."

    # ------------------------------------------------------------------ /ask

    async def handle_ask(
        self,
        interaction: discord.Interaction,
        question: str,
        results: int | None,
        *,
        date: str | None = None,
        section: str | None = None,
        part: str | None = None,
    ) -> None:
        """Validate, acknowledge within Discord's 3 s window, answer in a follow-up."""
        started = time.perf_counter()
        try:
            chosen = next((p for p in PART_CHOICES if p == part), None)
            if part and chosen is None:
                raise FilterError("part", part, f"use one of {', '.join(PART_CHOICES)}")
            filters = Filters(date=date or None, section=section or None, part=chosen)
        except FilterError as error:
            await interaction.response.send_message(
                discord_message(f"{error.field}: {error.reason}"),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return
        reply = await self.respond(
            question,
            interaction.user.id,
            results or min(self.settings.top_k, MAX_RESULTS),
            lambda: interaction.response.defer(thinking=True),
            filters,
        )
        if isinstance(reply, str):
            send = (
                interaction.followup.send
                if interaction.response.is_done()
                else interaction.response.send_message
            )
            await send(discord_message(reply), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        view = MoreView(reply, interaction.user.id, self.settings.discord_more_timeout)
        view.message = await interaction.followup.send(
            embed=reply.embed(1), view=view, allowed_mentions=NO_MENTIONS, wait=True
        )
        log.info("answered /ask in %.2f s", time.perf_counter() - started)

    # ------------------------------------------------------------------ reading

    async def complete_date(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The corpus's entry dates that match what is typed (at most 25)."""
        library = await self.library()
        choices = []
        for day in library.entry_dates:
            label = date_label(day)
            if current.lower() in label.lower() or current in day:
                choices.append(app_commands.Choice(name=label, value=day))
        return choices[:25]

    async def complete_section(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The corpus's sections that match what is typed (at most 25)."""
        library = await self.library()
        names = [n for n in library.sections if current.lower() in n.lower()]
        return [app_commands.Choice(name=shorten(n, 100), value=n[:100]) for n in names[:25]]

    async def handle_entry(self, interaction: discord.Interaction, date: str) -> None:
        """/entry: the day's entry from its first passage (or the nearest, said so)."""
        await interaction.response.defer(thinking=True)
        library = await self.library()
        try:
            view = library.entry(date)
        except QuestionError as error:
            await interaction.followup.send(
                discord_message(str(error)), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        title = f"Entry of {date_label(view.asked)}"
        passages = [r.passage for r in view.passages]
        spec = passages_embed(title, passages, description=view.note or "")
        first = passages[0].id if passages else None
        read = ReadView(library, first, self.settings.discord_more_timeout) if first else None
        if read is None:
            await interaction.followup.send(embed=to_embed(spec), allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(
                embed=to_embed(spec), allowed_mentions=NO_MENTIONS, view=read
            )

    async def handle_timeline(self, interaction: discord.Interaction) -> None:
        """/timeline: each text's entries and sections, in order."""
        library = await self.library()
        documents = await asyncio.to_thread(library.timeline)
        await interaction.response.send_message(
            embed=to_embed(timeline_embed(documents)), allowed_mentions=NO_MENTIONS
        )

    async def handle_verify(self, interaction: discord.Interaction, quote: str) -> None:
        """/verify: exact, close (the differences marked) or absent (the nearest passages)."""
        try:
            quote = self.query(quote, 1).text
        except QuestionError as error:
            await interaction.response.send_message(
                self._polite(error), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        await interaction.response.defer(thinking=True)
        async with self._slots:
            library = await self.library()
            verdict = await asyncio.to_thread(library.verify, quote)
        embed = to_embed(verdict_embed(verdict))
        if verdict.passage is None:
            await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)
            return
        # read around the quotation: ◀ ▶
        view = ReadView(library, verdict.passage.passage.id, self.settings.discord_more_timeout)
        await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS, view=view)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.error("/ask failed", exc_info=error)
        await self._apologize(interaction)

    async def _apologize(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(
                    APOLOGY, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
            else:
                await interaction.response.send_message(
                    APOLOGY, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except discord.HTTPException:
            log.warning("could not send the apology either")

    # ------------------------------------------------------------------ mentions and DMs

    async def on_message(self, message: discord.Message) -> None:
        """Answer a DM, or a channel message that mentions the bot."""
        me = self.user
        if message.author.bot or me is None:
            return
        in_dm = message.guild is None
        if not in_dm and me not in message.mentions:
            return
        try:
            await self.handle_message(message, question_from_message(message.content, me.id))
        except Exception:
            log.exception("answering a message failed")
            try:
                await message.reply(APOLOGY, allowed_mentions=NO_MENTIONS, mention_author=False)
            except discord.HTTPException:
                log.warning("could not send the apology either")

    async def handle_message(self, message: discord.Message, question: str) -> None:
        if not question and not message.content and not message.embeds and not message.attachments:
            await message.reply(NO_TEXT, allowed_mentions=NO_MENTIONS, mention_author=False)
            return
        reply = await self.respond(
            question,
            message.author.id,
            min(self.settings.top_k, MAX_RESULTS),
            lambda: _typing(message.channel),
        )
        if isinstance(reply, str):
            await message.reply(
                discord_message(reply), allowed_mentions=NO_MENTIONS, mention_author=False
            )
            return
        pages = reply
        view = MoreView(pages, message.author.id, self.settings.discord_more_timeout)
        view.message = await message.reply(
            embed=pages.embed(1), view=view, allowed_mentions=NO_MENTIONS, mention_author=False
        )


async def _typing(channel: discord.abc.Messageable) -> None:
    """One typing indicator (about 10 s covers an answer); a failure is not an error."""
    with contextlib.suppress(discord.HTTPException):
        await channel.typing()


class Qabot(QabotHandlers):
    """A single-connection client (tests, small deployments)."""


class ShardedQabot(QabotHandlers, discord.AutoShardedClient):
    """The production client: discord.py chooses the shard count Discord recommends."""


async def _serve(maintainer: IndexMaintainer, settings: Settings, token: str) -> None:
    import aiohttp

    message_content = True
    while True:
        client = ShardedQabot(maintainer, settings, message_content=message_content)
        try:
            async with client:
                await client.start(token)
            return
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise
            log.warning(
                "the message content intent is not enabled for this bot in the Developer Portal; "
                "continuing without it: /ask, DMs and mentions still work, but messages whose "
                "text Discord withholds get a pointer to /ask"
            )
            message_content = False
        except discord.LoginFailure:
            raise ConfigError(
                "Discord refused the token in QABOT_DISCORD_TOKEN; reset it in the Developer "
                "Portal (your application → Bot → Reset Token) and update the environment or .env"
            ) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise NetworkError(
                f"cannot reach Discord ({_cause(error)}); check the network, then start the "
                "bot again"
            ) from None


def _cause(error: BaseException) -> str:
    """The first line of what went wrong, without the library's class names."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text.removeprefix("Cannot connect to host ")


def run_bot(settings: Settings, maintainer: IndexMaintainer) -> None:
    """Check the token, load the model and index, then connect (blocks until stopped).

    Logging is the CLI's one handler: the bot's own lines at INFO, libraries' warnings
    and errors only; no voice support is loaded (the bot never speaks).
    """
    token = check_token(settings)
    logging.getLogger("qabot").setLevel(logging.INFO)
    # "PyNaCl / davey is not installed, voice will NOT be supported": the bot never speaks.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    log.info("loading the index and the model before connecting")
    maintainer.warm_up()
    log.info("ready: %d passages indexed; connecting to Discord", len(maintainer.library()))
    asyncio.run(_serve(maintainer, settings, token))
