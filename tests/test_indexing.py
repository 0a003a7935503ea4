"""Incremental updates, bad corpus files, crash safety, the lock, watch and hot reload.

The fake embedder records every text it embeds, so "only the changed passages were
embedded" is counted, not assumed. FAISS, files and subprocesses are real.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qabot.errors import IndexCorruptError
from qabot.index import IndexStore
from qabot.index.manifest import FORMAT_VERSION
from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder

REPO = Path(__file__).resolve().parent.parent


def entry(title: str, day: int, paragraphs: list[str]) -> str:
    return f"{title}\n\nMay {day}, 1930.\n\n" + "\n\n".join(paragraphs) + "\n"


ALPHA = entry(
    "Alpha",
    2,
    [
        "The ship left the harbor at dawn with the exiles aboard.",
        "We read Ibsen on deck while the sailors painted the rails.",
        "A storm in the Bay of Biscay kept everyone below for two days.",
        "The captain showed us charts of the route to the Gulf of Mexico.",
    ],
)
BETA = entry(
    "Beta",
    3,
    [
        "Frida Kahlo met the tanker at Tampico in the morning.",
        "A special train carried the party to the capital.",
    ],
)


def make_service(root: Path, embedder: FakeEmbedder | None = None, **overrides) -> IndexMaintainer:
    settings = load_settings(
        corpus_dir=root / "corpus", embeddings_dir=root / "emb", chunk_min_tokens=0, **overrides
    )
    return IndexMaintainer(settings, embedder or FakeEmbedder())


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "alpha.txt").write_text(ALPHA)
    (folder / "beta.txt").write_text(BETA)
    make_service(tmp_path).update()
    return folder


def passages_embedded(embedder: FakeEmbedder) -> list[str]:
    """What the model was asked to embed, lexicon words (single words) left out."""
    return [text for text in embedder.embedded if " " in text]


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_first_build_embeds_everything(tmp_path: Path, corpus: Path):
    service = make_service(tmp_path)
    report = service.update(force=True)
    assert report.passages == 6 and report.files == 2
    assert len(passages_embedded(service.embedder)) == 6
    lexicon = service.store.load().lexicon.words
    assert "harbor" in lexicon and "the" not in lexicon  # content words only
    assert report.embedded == 6 + len(lexicon) == len(service.embedder.embedded)
    assert report.full_rebuild == ("--force",)


def test_edit_embeds_only_the_changed_passage_and_keeps_ids(tmp_path: Path, corpus: Path):
    before = {p.text: p.id for p in make_service(tmp_path).library().passages()}
    (corpus / "alpha.txt").write_text(ALPHA.replace("two days", "three days"))
    service = make_service(tmp_path)
    report = service.update()
    assert service.embedder.embedded == [
        "A storm in the Bay of Biscay kept everyone below for three days.",
        "three",  # the one new word of the lexicon
    ]
    assert (report.files_changed, report.files_added, report.files_removed) == (
        ("alpha.txt",),
        (),
        (),
    )
    assert (report.passages_added, report.passages_changed, report.passages_removed) == (0, 1, 0)
    assert report.embedded == 2 and report.reused == 5 + len(service.store.load().lexicon) - 1
    after = {p.text: p.id for p in service.store.load().passages}
    unchanged = set(before) & set(after)
    assert len(unchanged) == 5 and all(before[t] == after[t] for t in unchanged)
    assert "files: 1 changed; passages: 0 added, 1 changed, 0 removed" in report.summary()


def test_reused_vectors_are_the_stored_ones(tmp_path: Path, corpus: Path):
    old = make_service(tmp_path).store.load()
    (corpus / "alpha.txt").write_text(ALPHA.replace("two days", "three days"))
    service = make_service(tmp_path)
    service.update()
    new = service.store.load()
    old_rows = dict(zip([p.id for p in old.passages], old.vectors(), strict=True))
    fresh = FakeEmbedder()
    for passage, row in zip(new.passages, new.vectors(), strict=True):
        expected = old_rows.get(passage.id)
        if expected is None:  # stored as half floats (qabot/index/vectors.py)
            expected = fresh.embed([passage.embed_text])[0].astype(np.float16)
        assert row.dtype == np.float16 and row.tolist() == expected.tolist()


def test_added_file_embeds_only_its_passages(tmp_path: Path, corpus: Path):
    (corpus / "letters").mkdir()
    (corpus / "letters" / "gamma.md").write_text("# Gamma\n\nA letter from Coyoacán.\n")
    service = make_service(tmp_path)
    report = service.update()
    assert service.embedder.embedded == ["A letter from Coyoacán.", "coyoacán", "letter"]
    assert report.files_added == ("letters/gamma.md",)
    assert (report.passages_added, report.passages_changed, report.passages_removed) == (1, 0, 0)
    assert service.library().ask("letter Coyoacán").hits[0].passage.source == "letters/gamma.md"


def test_deleted_file_drops_its_passages_without_embedding(tmp_path: Path, corpus: Path):
    (corpus / "beta.txt").unlink()
    service = make_service(tmp_path)
    report = service.update()
    assert service.embedder.embedded == []
    assert report.files_removed == ("beta.txt",) and report.passages_removed == 2
    assert {p.source for p in service.store.load().passages} == {"alpha.txt"}


def test_model_change_re_embeds_everything(tmp_path: Path, corpus: Path):
    service = make_service(tmp_path, FakeEmbedder(identity="other-model"))
    assert service.stale_reasons() == [
        "built with model fake-embedder, configured model is other-model"
    ]
    report = service.update()
    assert len(passages_embedded(service.embedder)) == 6 and report.reused == 0
    assert report.full_rebuild == ("model changed from fake-embedder to other-model",)
    assert service.store.load().manifest.model == "other-model"


def test_no_change_touches_nothing_and_embeds_nothing(tmp_path: Path, corpus: Path):
    before = snapshot(tmp_path / "emb")
    service = make_service(tmp_path)
    started = time.perf_counter()
    report = service.update()
    elapsed = time.perf_counter() - started
    assert report.up_to_date and report.passages == 6 and report.files == 2
    assert service.embedder.embedded == []
    assert snapshot(tmp_path / "emb") == before
    assert report.summary().startswith("Index is up to date: 6 passages from 2 file(s)")
    assert elapsed < 1.0  # a correctness guard (it reads only hashes), not a speed target


def test_chunking_change_re_chunks_but_reuses_identical_vectors(tmp_path: Path, corpus: Path):
    service = make_service(tmp_path, chunk_max_tokens=200)
    report = service.update()
    assert report.location is not None
    assert service.embedder.embedded == []  # same passages: every vector reused
    assert "  every file read again: chunking settings changed" in report.summary()


def test_an_index_made_by_an_older_chunker_is_read_again_reusing_its_vectors(
    tmp_path: Path, corpus: Path
):
    """An upgrade whose readers or chunker read texts differently (the chunker's version in
    the manifest) re-reads every file, unchanged bytes too; same passages keep vectors."""
    from qabot.chunking import CHUNKER_VERSION

    store = IndexStore(tmp_path / "emb")
    location = store.current_dir()
    assert location is not None
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["chunking"]["version"] = CHUNKER_VERSION - 1
    (location / "manifest.json").write_text(json.dumps(manifest))
    service = make_service(tmp_path)
    why = f"this qabot reads texts anew: chunker {CHUNKER_VERSION - 1} → {CHUNKER_VERSION}"
    assert service.stale_reasons() == [why]
    report = service.update()
    assert report.read_again == (why,) and report.full_rebuild == ()
    assert service.embedder.embedded == []
    assert f"  every file read again: {why}" in report.summary()
    assert service.stale_reasons() == []


# ---------------------------------------------------------------------------- bad files


def _bad_files(folder: Path, kind: str) -> None:
    path = folder / "beta.txt"
    if kind == "latin-1":
        path.write_bytes("Frida Kahlo à Tampico".encode("latin-1"))
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    elif kind == "empty":
        path.write_text("")
    elif kind == "huge":
        with path.open("wb") as handle:  # 100 MB, sparse: cheap to make
            handle.truncate(100 * 1024 * 1024)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("latin-1", "not valid UTF-8 (byte 0xe0 at offset 12); convert it"),
        ("binary", "looks like a binary file; remove it from the corpus"),
        ("empty", "no text to index (empty file?)"),
        ("huge", "104.9 MB is over the 20 MB limit; split it into smaller files"),
    ],
)
def test_a_bad_file_keeps_its_old_passages_and_the_rest(
    tmp_path: Path, corpus: Path, kind: str, message: str
):
    _bad_files(corpus, kind)
    (corpus / "alpha.txt").write_text(ALPHA + "\nA fifth paragraph about Norway.\n")
    service = make_service(tmp_path)
    report = service.update()
    assert report.failed.keys() == {"beta.txt"} and message in report.failed["beta.txt"]
    (warning,) = service.failure_warnings(report)
    assert warning.startswith("beta.txt not indexed: ")
    assert "its 2 passage(s) from the previous version are kept" in warning
    index = service.store.load()
    assert sum(p.source == "beta.txt" for p in index.passages) == 2  # not destroyed
    assert any("Norway" in p.text for p in index.passages)  # other files still updated
    assert passages_embedded(service.embedder) == ["A fifth paragraph about Norway."]

    # A no-change run stays a no-change run, and still names the file.
    again = make_service(tmp_path)
    report = again.update()
    assert report.up_to_date and report.failed.keys() == {"beta.txt"}
    assert again.failure_warnings(report) == [
        f"beta.txt not indexed: {report.failed['beta.txt']}; fix the file or delete it"
    ]

    # Fixing the file indexes it again.
    (corpus / "beta.txt").write_text(BETA.replace("morning", "evening"))
    report = make_service(tmp_path).update()
    assert report.failed == {} and report.files_changed == ("beta.txt",)
    assert any("evening" in p.text for p in make_service(tmp_path).store.load().passages)


def test_a_new_bad_file_has_no_passages_and_is_named(tmp_path: Path, corpus: Path):
    (corpus / "scan.txt").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    service = make_service(tmp_path)
    report = service.update()
    assert service.failure_warnings(report) == [
        "scan.txt not indexed: looks like a binary file; remove it "
        "from the corpus; it has no passages in the index until it is fixed"
    ]
    assert report.passages == 6
    assert report.summary().endswith("  not indexed (see the warnings): scan.txt")


def test_unknown_extension_is_skipped_with_a_warning_by_index_not_by_every_ask(
    tmp_path: Path, corpus: Path, caplog: pytest.LogCaptureFixture
):
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.7")
    service = make_service(tmp_path)
    with caplog.at_level(logging.WARNING):
        report = service.update()
        service.library().ask("Who met Trotsky?")
    assert report.up_to_date  # not part of the corpus at all
    assert report.files == len(service.corpus_files())  # the PDF is not counted
    (warning,) = service.failure_warnings(report)
    assert warning.startswith(f"skipped {corpus / 'notes.pdf'}: not a text qabot reads (.txt,")
    assert caplog.text == ""  # nothing logged on the question path


# ---------------------------------------------------------------------------- crash safety

WRITER = """
import sys, itertools
sys.path.insert(0, {repo!r})
from pathlib import Path
from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder

root = Path({root!r})
settings = load_settings(corpus_dir=root / "corpus", embeddings_dir=root / "emb",
                         chunk_min_tokens=0)
service = IndexMaintainer(settings, FakeEmbedder())
for n in itertools.count():
    (root / "corpus" / "extra.txt").write_text(
        "Extra\\n\\n" + "\\n\\n".join(f"Paragraph {{n}} number {{i}}." for i in range(40)))
    service.update()
    print(n, flush=True)
"""


def test_kill_9_at_any_moment_leaves_a_loadable_consistent_index(tmp_path: Path, corpus: Path):
    """A writer saving in a loop is killed at random moments of its saves (once it has
    saved at least once, however slow the machine is to start it): every time the index
    loads whole and answers."""
    rng = random.Random(7)
    script = WRITER.format(repo=str(REPO), root=str(tmp_path))
    saves = 0
    for _ in range(12):
        writer = subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert writer.stdout is not None and writer.stderr is not None
        first = writer.stdout.readline()  # its first save is done
        assert first.strip() == b"0", writer.stderr.read().decode()[-2000:]
        time.sleep(rng.uniform(0.0, 0.8))  # then it saves again and again
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        saves += 1 + len(writer.stdout.read().split())
        service = make_service(tmp_path)
        index = service.store.load()  # verifies checksums and counts against the manifest
        assert len(index) == index.manifest.passage_count in (6, 46)
        top = service.library().ask("Who met the tanker at Tampico?").hits[0]
        assert top.passage.source == "beta.txt"
    print("saves:", saves)
    assert saves >= 12


HOLDER = """
import os, sys, time, json
sys.path.insert(0, {repo!r})
from pathlib import Path
from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder

class Slow(FakeEmbedder):
    def embed(self, texts, *, progress=None):
        start = time.time(); time.sleep(1.0)
        vectors = super().embed(texts, progress=progress)
        with open({log!r}, "a") as log:
            log.write(json.dumps([os.getpid(), start, time.time()]) + "\\n")
        return vectors

root = Path({root!r})
settings = load_settings(corpus_dir=root / "corpus", embeddings_dir=root / "emb",
                         chunk_min_tokens=0)
IndexMaintainer(settings, Slow(), notify=print).update(force=True)
"""


def test_two_updates_at_once_are_serialized_by_the_lock(tmp_path: Path, corpus: Path):
    log = tmp_path / "embed-times.jsonl"
    script = HOLDER.format(repo=str(REPO), root=str(tmp_path), log=str(log))
    runs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    spans: dict[int, list[float]] = {}
    for pid, start, end in (json.loads(line) for line in log.read_text().splitlines()):
        span = spans.setdefault(pid, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    first, second = sorted(spans.values())
    assert first[1] <= second[0]  # the second process embedded only after the first ended
    assert sum("Waiting for another qabot process" in out for out in outputs) == 1
    assert len(make_service(tmp_path).store.load()) == 6


# ---------------------------------------------------------------------------- hot reload


def test_hot_reload_while_answering_fails_no_question(tmp_path: Path, corpus: Path):
    reader = make_service(tmp_path)
    reader.library()
    writer = make_service(tmp_path)
    errors: list[BaseException] = []
    answered = [0]
    stop = threading.Event()

    def ask_forever() -> None:
        while not stop.is_set():
            try:
                answer = reader.library().ask("Who met the tanker at Tampico?")
                assert answer.hits[0].passage.source == "beta.txt"
                answered[0] += 1
            except BaseException as error:
                errors.append(error)

    def reload_forever() -> None:
        while not stop.is_set():
            try:
                reader.reload_if_changed()
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=ask_forever) for _ in range(3)]
    threads.append(threading.Thread(target=reload_forever))
    for thread in threads:
        thread.start()
    try:
        for n in range(15):
            (corpus / f"extra-{n}.txt").write_text(f"Extra {n}\n\nA note about Norway, {n}.\n")
            writer.update()
    finally:
        time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert answered[0] > 15
    reader.reload_if_changed()
    assert len(reader.library()) == 6 + 15


def test_reload_keeps_the_old_index_when_the_new_one_is_damaged(tmp_path: Path, corpus: Path):
    reader = make_service(tmp_path)
    reader.library()
    (corpus / "extra.txt").write_text("Extra\n\nA note about Norway.\n")
    writer = make_service(tmp_path)
    writer.update()
    location = IndexStore(tmp_path / "emb").current_dir()
    assert location is not None
    (location / "passages.jsonl").write_text("{}\n")
    with pytest.raises(IndexCorruptError, match=r"passages\.jsonl is damaged"):
        reader.reload_if_changed()
    assert len(reader.library()) == 6
    assert reader.library().ask("Tampico tanker").hits


# ---------------------------------------------------------------------------- watch


def start_watcher(
    service: IndexMaintainer, on_update, on_error
) -> tuple[threading.Thread, threading.Event]:
    """`watch_corpus` in a thread (100 ms debounce), and the event that stops it."""
    from qabot.watcher import watch_corpus

    stop = threading.Event()
    thread = threading.Thread(
        target=watch_corpus,
        args=(service,),
        kwargs={
            "on_update": on_update,
            "on_error": on_error,
            "debounce_ms": 100,
            "stop_event": stop,
        },
    )
    thread.start()
    return thread, stop


def test_watch_updates_after_changes_and_survives_errors(tmp_path: Path, corpus: Path):
    service = make_service(tmp_path, watch_debounce_ms=100)
    reports = []
    errors: list[Exception] = []
    thread, stop = start_watcher(service, reports.append, errors.append)

    def wait_for(condition, what: str) -> None:
        deadline = time.monotonic() + 15
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)

    try:
        time.sleep(0.5)  # let the watcher start
        (corpus / "gamma.txt").write_text("Gamma\n\nA letter about Coyoacán.\n")
        wait_for(lambda: any(r.files_added == ("gamma.txt",) for r in reports), "gamma added")
        (corpus / "gamma.txt").write_bytes(b"\xff\xfe")
        wait_for(lambda: any("gamma.txt" in r.failed for r in reports), "gamma failure")
        (corpus / "gamma.txt").unlink()
        wait_for(lambda: any(r.files_removed == ("gamma.txt",) for r in reports), "gamma removed")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert errors == []
    assert len(service.store.load()) == 6


def test_watch_reports_errors_and_keeps_going(tmp_path: Path, corpus: Path, monkeypatch):
    from qabot.errors import IndexCorruptError

    service = make_service(tmp_path)
    calls = []

    def failing_update(**_):
        calls.append(1)
        raise IndexCorruptError("emb/CURRENT is damaged; run `qabot index --force` to rebuild")

    monkeypatch.setattr(service, "update", failing_update)
    errors: list[Exception] = []
    thread, stop = start_watcher(service, print, errors.append)
    try:
        deadline = time.monotonic() + 15
        while len(calls) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        (corpus / "gamma.txt").write_text("Gamma\n\nA letter.\n")  # still watching?
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(calls) == 2 and len(errors) == 2 and "CURRENT is damaged" in str(errors[0])


def test_watch_command_is_listed(tmp_path: Path):
    from click.testing import CliRunner

    from qabot.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert "watch " in result.stdout and "Watch corpus/" in result.stdout


def test_env_only_has_the_lock_and_generations(tmp_path: Path, corpus: Path):
    names = sorted(p.name for p in (tmp_path / "emb").iterdir())
    assert names[0] == ".index.lock" and names[1] == "CURRENT"
    assert all(n.startswith("gen-") for n in names[2:]) and os.path.isdir(tmp_path / "emb")


# ---------------------------------------------------------------------------- the bot


async def test_bot_reload_task_swaps_in_a_new_index(tmp_path: Path, corpus: Path, caplog):
    from qabot.bot import Qabot

    service = make_service(tmp_path, reload_seconds=0.05)
    service.library()
    client = Qabot(service, service.settings)
    client._reload_task = asyncio.create_task(client.reload_loop())
    try:
        (corpus / "gamma.txt").write_text("Gamma\n\nA letter about Coyoacán.\n")
        make_service(tmp_path).update()  # `qabot index` in another process
        with caplog.at_level(logging.INFO, logger="qabot.bot"):
            for _ in range(100):
                if len(service.library()) == 7:
                    break
                await asyncio.sleep(0.05)
        assert len(service.library()) == 7
        assert "loaded the new index: 7 passages" in caplog.text

        client._reload_task.cancel()  # from here on, reload by hand (no race with the loop)
        location = IndexStore(tmp_path / "emb").current_dir()
        (corpus / "delta.txt").write_text("Delta\n\nAnother letter.\n")
        make_service(tmp_path).update()
        new = IndexStore(tmp_path / "emb").current_dir()
        assert new is not None and new != location
        (new / "passages.faiss").write_bytes(b"garbage")
        with caplog.at_level(logging.ERROR, logger="qabot.bot"):
            assert await client.reload_once() is False
        assert "could not load the new index, still answering from the old one" in caplog.text
        assert len(service.library()) == 7 and service.library().ask("letter Coyoacán").hits
    finally:
        await client.close()
    assert client._reload_task.done()


# ---------------------------------------------------------------------------- format


def test_an_index_of_an_older_format_is_rebuilt_quietly(tmp_path: Path, corpus: Path):
    location = IndexStore(tmp_path / "emb").current_dir()
    assert location is not None
    manifest = json.loads((location / "manifest.json").read_text())
    (location / "manifest.json").write_text(json.dumps({**manifest, "format": 1}))
    messages: list[str] = []
    settings = load_settings(
        corpus_dir=tmp_path / "corpus", embeddings_dir=tmp_path / "emb", chunk_min_tokens=0
    )
    service = IndexMaintainer(settings, FakeEmbedder(), notify=messages.append)
    assert service.stale_reasons() == [f"index format 1 is not the current {FORMAT_VERSION}"]
    service.library()
    assert not any(m.startswith("warning") for m in messages)
    assert len(passages_embedded(service.embedder)) == 6


def test_an_index_of_format_3_is_rebuilt_saying_why(tmp_path: Path, corpus: Path):
    """Since format 4 every vector lives in FAISS only and sentence vectors are pooled from
    their passage: a format-3 index's vectors cannot be reused."""
    location = IndexStore(tmp_path / "emb").current_dir()
    assert location is not None
    manifest = json.loads((location / "manifest.json").read_text())
    (location / "manifest.json").write_text(json.dumps({**manifest, "format": 3}))
    settings = load_settings(
        corpus_dir=tmp_path / "corpus", embeddings_dir=tmp_path / "emb", chunk_min_tokens=0
    )
    service = IndexMaintainer(settings, FakeEmbedder())
    assert service.stale_reasons() == [f"index format 3 is not the current {FORMAT_VERSION}"]
    report = service.update()
    assert report.full_rebuild == (f"index format 3 → {FORMAT_VERSION}",)
    assert len(passages_embedded(service.embedder)) == 6


def test_an_index_of_format_5_is_updated_reusing_its_vectors(tmp_path: Path, corpus: Path):
    """Format 5 held one object per passage line (6: rows under a header). Its passages
    and vectors are read as they were: the update embeds nothing and writes format 6."""
    from dataclasses import fields

    from qabot.types import Passage

    store = IndexStore(tmp_path / "emb")
    location = store.current_dir()
    assert location is not None
    before = [(p.id, p.text, p.embed_text, p.citation) for p in store.load().passages]
    path = location / "passages.jsonl"
    header, *rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text(
        "".join(json.dumps(dict(zip(header["columns"], row, strict=True))) + "\n" for row in rows)
    )
    assert set(json.loads(path.read_text().splitlines()[0])) == {
        *(f.name for f in fields(Passage) if f.name not in ("text", "embed_text")),
        "text_at",
        "embed_at",
    }
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["sizes"]["passages.jsonl"] = path.stat().st_size
    (location / "manifest.json").write_text(json.dumps({**manifest, "format": 5}))
    service = make_service(tmp_path)
    assert service.stale_reasons() == [f"index format 5 is not the current {FORMAT_VERSION}"]
    assert [(p.id, p.text, p.embed_text, p.citation) for p in store.load().passages] == before
    report = service.update()
    assert report.full_rebuild == () and service.embedder.embedded == []
    assert store.read_manifest() is not None and store.read_manifest().format == FORMAT_VERSION
    assert [(p.id, p.text, p.embed_text, p.citation) for p in store.load().passages] == before


@pytest.mark.parametrize("victim", ["lexicon.json", "units.faiss", "bm25.npz", "bm25.json"])
def test_damaged_sentence_or_word_tables_are_named(tmp_path: Path, corpus: Path, victim: str):
    location = IndexStore(tmp_path / "emb").current_dir()
    assert location is not None
    (location / victim).write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match=rf"{victim} is damaged .*--force"):
        IndexStore(tmp_path / "emb").load()


def test_sentences_are_stored_as_spans_of_their_passage_text(tmp_path: Path):
    """units.json holds where each sentence is in its passage's text, not the sentence:
    the loaded sentences are the built ones, whitespace and curly quotes included; a
    units.json of the sentences themselves (written before) is read as it was."""
    import hashlib

    from qabot.index.update import sentence_units

    folder = tmp_path / "corpus"
    folder.mkdir()
    paragraphs = [
        "We sailed at dawn.  The sea was calm;\nthe captain   smiled. “Land!” he cried.",
        "A second paragraph came. It held two sentences, no more.",
    ]
    (folder / "gamma.txt").write_text(entry("Gamma", 4, paragraphs))
    service = make_service(tmp_path, chunk_max_tokens=40)
    service.update()
    store = IndexStore(tmp_path / "emb")
    loaded = store.load()
    owners, expected = sentence_units(loaded.passages)
    assert len(expected) >= 4 and "The sea was calm; the captain smiled." in expected
    assert list(loaded.units.texts) == expected and loaded.units.passage_ids.tolist() == owners
    assert loaded.units.texts[1:3] == expected[1:3] and loaded.units.texts[-1] == expected[-1]
    location = store.current_dir()
    assert location is not None
    stored = json.loads((location / "units.json").read_text())
    assert "texts" not in stored and len(stored["spans"]) == 2 * len(expected)

    stored = {"passage_ids": stored["passage_ids"], "texts": expected}
    written = json.dumps(stored).encode()
    (location / "units.json").write_bytes(written)
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["sizes"]["units.json"] = len(written)
    manifest["checksums"]["units.json"] = hashlib.sha256(written).hexdigest()
    (location / "manifest.json").write_text(json.dumps(manifest))
    assert list(IndexStore(tmp_path / "emb").load().units.texts) == expected
