"""Many questions at once on one library while the index is updated and swapped under it.

Every answer must equal the same question answered alone, afterwards, against the very
library (snapshot) it was answered from: a question shares nothing mutable with another,
and a hot reload swaps one reference. Fake embedder (deterministic), real FAISS, files,
lock and reload.
"""

from __future__ import annotations

import asyncio
import random
import threading
from pathlib import Path

from qabot.bot import APOLOGY, Qabot
from qabot.library import Library
from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings
from qabot.types import Answer
from tests.fakes import FakeEmbedder, searched_approximately
from tests.test_bot_handlers import FakeInteraction

DIARY = """Voyage

May 2, 1930.

The ship left the harbor at dawn with the exiles aboard. We read Ibsen on deck.

A storm in the Bay of Biscay kept everyone below for two days; the captain was calm.

May 3, 1930.

Frida met the tanker at Tampico in the morning. A special train carried the party on.

The oil derricks of Tampico reminded us of Baku. We left for the capital at night.

May 9, 1930.

Ramon read the newspapers aloud: the trial in Moscow had begun, and the dispatches lied.
"""
QUESTIONS = [
    "Who met the tanker at Tampico?",
    "What did they read on deck?",
    "What kept everyone below?",
    "What reminded them of Baku?",
    "What did he write on May 3?",
    "Which trial had begun?",
    "Who read the newspapers aloud?",
    "What is the capital of Peru?",
]


def maintainer(root: Path) -> IndexMaintainer:
    settings = load_settings(
        corpus_dir=root / "corpus",
        embeddings_dir=root / "emb",
        chunk_min_tokens=0,
        discord_cooldown_rate=1000,
        reload_seconds=0,
    )
    return IndexMaintainer(settings, FakeEmbedder())


def _corpus(root: Path) -> None:
    (root / "corpus").mkdir()
    (root / "corpus" / "diary.txt").write_text(DIARY)


PER_LIBRARY = 240


def test_answers_while_the_index_changes_equal_answers_alone(tmp_path: Path):
    _corpus(tmp_path)
    asking = maintainer(tmp_path)
    asking.update()
    writer = maintainer(tmp_path)
    answered: list[tuple[Library, str, int, Answer]] = []
    kept: dict[int, int] = {}  # answers kept per library: at most PER_LIBRARY
    errors: list[BaseException] = []
    stop = threading.Event()
    record = threading.Lock()

    def ask(seed: int) -> None:
        # Asking goes on until every update is done (on a busy machine the askers once
        # answered all they kept before the first swap); the answers kept are bounded
        # per library, so checking them afterwards stays quick.
        rng = random.Random(seed)
        while not stop.is_set() or len(answered) < 240:
            library = asking.library()
            question = rng.choice(QUESTIONS)
            k = rng.randint(1, 4)
            try:
                found = library.ask(question, k)
            except BaseException as error:
                errors.append(error)
                return
            with record:
                if kept.get(id(library), 0) < PER_LIBRARY:
                    kept[id(library)] = kept.get(id(library), 0) + 1
                    answered.append((library, question, k, found))

    def reload() -> None:
        while not stop.is_set():
            try:
                asking.reload_if_changed()
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=reload))
    for thread in threads:
        thread.start()
    try:
        for n in range(6):  # the index is updated and swapped under the askers
            (tmp_path / "corpus" / f"letter-{n}.txt").write_text(
                f"Letter {n}\n\nMay {10 + n}, 1930.\n\nA letter about Tampico and Ibsen, {n}.\n"
            )
            writer.update()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    assert len(answered) >= 240
    libraries = {id(library) for library, _, _, _ in answered}
    assert len(libraries) >= 2  # questions were answered by more than one snapshot
    for library, question, k, found in answered:
        assert library.ask(question, k) == found, question
    print(f"{len(answered)} answers from 8 threads over {len(libraries)} libraries")


async def test_the_bot_answers_a_burst_while_the_index_changes(tmp_path: Path):
    _corpus(tmp_path)
    service = maintainer(tmp_path)
    service.update()
    before = len(service.library())
    client = Qabot(service, service.settings)
    writer = maintainer(tmp_path)
    interactions = [FakeInteraction(user_id=n) for n in range(40)]

    async def change_the_index() -> None:
        for n in range(4):
            (tmp_path / "corpus" / f"note-{n}.txt").write_text(f"Note {n}\n\nAbout Baku, {n}.\n")
            await asyncio.to_thread(writer.update)
            await client.reload_once()  # (a question may have found the change first)

    asks = [
        client.handle_ask(interaction, QUESTIONS[n % len(QUESTIONS)], 2)
        for n, interaction in enumerate(interactions)
    ]
    try:
        await asyncio.gather(change_the_index(), *asks)
    finally:
        await client.close()
    for interaction in interactions:
        kind, sent = interaction.recorder.calls[-1]
        assert kind == "followup" and sent.get("embed") is not None
        assert sent.get("content") != APOLOGY
    await client.reload_once()
    assert len(service.library()) == before + 4


def test_questions_at_once_over_approximate_search_equal_questions_alone(tmp_path: Path):
    """Past the exact size each question's FAISS searches run on the library's helper
    threads: questions asked at once from eight threads, sharing that pool, get the
    answers they get alone. 600 passages (more than the corpus size at which every
    passage is a candidate), their vectors searched through HNSW."""
    from qabot.search.signals import SMALL

    (tmp_path / "corpus").mkdir()
    towns = ["Tampico", "Baku", "Oslo", "Coyoacan", "Hønefoss", "Mexico City"]
    paragraphs = [
        f"On day {n} the party reached {towns[n % 6]}; letter {n} spoke of {towns[(n * 7) % 6]}"
        f" and of the ship number {n * 13 % 97}. The second sentence of paragraph {n} is here."
        for n in range(600)
    ]
    (tmp_path / "corpus" / "letters.txt").write_text("Letters\n\n" + "\n\n".join(paragraphs))
    service = maintainer(tmp_path)
    service.update()
    stored = service.store.load()
    assert len(stored) > SMALL
    library = Library(searched_approximately(stored), FakeEmbedder())
    assert not library._tables.dense.passages.exact
    questions = [f"What did letter {n} say of {towns[n % 6]}?" for n in range(0, 600, 37)]
    alone = {question: library.ask(question, 3) for question in questions}
    errors: list[BaseException] = []
    found: list[tuple[str, Answer]] = []

    def ask(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(40):
            question = rng.choice(questions)
            try:
                found.append((question, library.ask(question, 3)))
            except BaseException as error:
                errors.append(error)
                return

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(found) == 320
    assert any(t.name.startswith("qabot-dense") for t in threading.enumerate())  # they ran
    assert all(answer == alone[question] for question, answer in found)
    assert any(answer.hits for answer in alone.values())
