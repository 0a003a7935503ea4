"""Figures for the bot: /ask response time and the worst event-loop stall during a burst.

Run from the project folder:  .venv/bin/python benchmarks/bot.py
Calls the real /ask handler with the real model and index; Discord's side is a recorder.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from qabot.bot import Qabot
from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings

QUESTIONS = [
    "Who met Trotsky when the tanker reached Tampico?",
    "When did the second Moscow trial begin?",
    "What did Lenin say about Stalin as General Secretary?",
    "Which Norwegian police officer accompanied them?",
    "Where did they embrace Diego Rivera?",
]


class Recorder:
    def __init__(self, user_id: int) -> None:
        self.user = type("User", (), {"id": user_id})()
        self.response = self.followup = self
        self.deferred_at = self.sent_at = 0.0

    def is_done(self) -> bool:
        return bool(self.deferred_at)

    async def defer(self, **_: Any) -> None:
        self.deferred_at = time.perf_counter()

    async def send(self, *_: Any, **__: Any) -> None:
        self.sent_at = time.perf_counter()

    async def send_message(self, *_: Any, **__: Any) -> None:
        self.sent_at = time.perf_counter()


async def main() -> None:
    settings = load_settings(discord_cooldown_rate=10_000)
    service = IndexMaintainer(settings)
    service.warm_up()
    client = Qabot(service, settings)

    times, defers = [], []
    for i in range(50):
        interaction = Recorder(i)
        started = time.perf_counter()
        await client.handle_ask(interaction, QUESTIONS[i % len(QUESTIONS)], None)
        times.append(interaction.sent_at - started)
        defers.append(interaction.deferred_at - started)
    print(f"/ask response (50 sequential): median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms; acknowledged (defer) within max "
          f"{max(defers) * 1000:.2f} ms")  # fmt: skip

    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last - 0.005)
            last = now

    task = asyncio.create_task(ticker())
    burst = [Recorder(1000 + i) for i in range(20)]
    started = time.perf_counter()
    await asyncio.gather(
        *(client.handle_ask(r, QUESTIONS[i % 5], None) for i, r in enumerate(burst))
    )
    elapsed = time.perf_counter() - started
    done.set()
    await task
    latencies = sorted(r.sent_at - started for r in burst)
    print(f"burst of 20 simultaneous /ask: all answered in {elapsed * 1000:.0f} ms "
          f"(median answer {statistics.median(latencies) * 1000:.0f} ms); worst event-loop "
          f"stall {max(gaps) * 1000:.1f} ms over {len(gaps)} ticks")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
