"""What the maintainer and the bot's host see when something is wrong: one clear line,
the documented exit code, fast, and nothing lost or left behind."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qabot.index.update import embed_steadily
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder, fake_service
from tests.test_cli import _interruptible

BOOKS = Path(__file__).parent / "data" / "books"

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"  # not real


def qabot(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """`qabot …` as a user runs it: a fresh process, no QABOT_* from this machine."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "HF_"))}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "qabot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**environment, **(env or {})},
        timeout=timeout,
    )
    return result, time.perf_counter() - started


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    """A copy of the session's built project (the real model's index), free to damage."""
    copy = tmp_path / "project"
    shutil.copytree(built_project, copy)
    return copy


def test_an_unknown_model_fails_at_once_unless_downloads_are_allowed(project: Path):
    result, seconds = qabot(project, "ask", "Who?", env={"QABOT_MODEL": "no-such-model-xyz"})
    assert result.returncode == 1 and seconds < 5
    assert result.stderr == (
        "qabot: error: QABOT_MODEL=no-such-model-xyz is not a local model folder, not the "
        "bundled all-MiniLM-L6-v2 and not in this machine's Hugging Face cache; set "
        "QABOT_ALLOW_DOWNLOAD=true to fetch it (needs network access), or point QABOT_MODEL "
        "at a model folder\n"
    )
    allowed = {
        "QABOT_MODEL": "no-such-model-xyz",
        "QABOT_ALLOW_DOWNLOAD": "true",
        "HF_ENDPOINT": "https://hub.invalid",  # no network here either way
    }
    result, seconds = qabot(project, "ask", "Who?", env=allowed)
    assert result.returncode == 1 and seconds < 10
    assert result.stderr.startswith("qabot: error: cannot reach hub.invalid to fetch ")
    assert result.stderr.count("\n") == 1


def test_the_bot_without_network_logs_once_and_says_so(project: Path):
    result, _ = qabot(project, "bot", env={"QABOT_DISCORD_TOKEN": TOKEN}, timeout=120)
    lines = result.stderr.splitlines()
    assert result.returncode == 3, result.stderr
    assert lines[:2] == [
        "qabot: info: loading the index and the model before connecting",
        "qabot: info: ready: 59 passages indexed; connecting to Discord",
    ]
    assert lines[-1].startswith("qabot: error: cannot reach Discord (")
    assert lines[-1].endswith("); check the network, then start the bot again")
    assert len(lines) == 3 and len(set(lines)) == 3  # each line once, nothing else
    assert "\x1b[" not in result.stderr and TOKEN not in result.stderr


def test_ctrl_c_during_a_build_keeps_the_previous_index(project: Path):
    before = (project / "embeddings" / "CURRENT").read_text()
    # A novel beside the journal: a build long enough to interrupt (the journal alone
    # takes about 4 s).
    novel = project / "corpus" / "novel.epub"
    shutil.copy(BOOKS / "love-among-the-chickens.epub", novel)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "qabot", "index", "--force"],
        preexec_fn=_interruptible,
        cwd=project,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    time.sleep(6)  # loading the model, or embedding
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().endswith(
        "qabot: interrupted; the saved index is whole and usable (the update in progress "
        "was dropped)"
    )
    assert "Aborted" not in stderr and "Traceback" not in stderr
    assert (project / "embeddings" / "CURRENT").read_text() == before
    assert not list((project / "embeddings").glob(".staging-*"))
    novel.unlink()
    result, _ = qabot(project, "ask", "--no-build", "Who was Turkul?")
    assert result.returncode == 0 and "Turkul" in result.stdout


def test_ctrl_c_while_answering_says_nothing_of_an_update(project: Path):
    """Ctrl-C in `qabot ask -` between questions: nothing was updating, so nothing was
    dropped, and the message does not say otherwise."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "qabot", "ask", "--no-build", "--json", "-"],
        preexec_fn=_interruptible,
        cwd=project,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("Who met Trotsky?\n")
    process.stdin.flush()
    assert json.loads(process.stdout.readline())["results"]  # answered: now waiting
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "qabot: interrupted; the saved index is whole and usable"


def test_index_notices_a_truncated_file_by_its_checksum_and_rebuilds(project: Path):
    name = (project / "embeddings" / "CURRENT").read_text().strip()
    generation = project / "embeddings" / name
    data = (generation / "passages.faiss").read_bytes()
    (generation / "passages.faiss").write_bytes(data[:100] + b"\0" * (len(data) - 100))  # same size
    result, _ = qabot(project, "index")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(
        f"qabot: warning: embeddings/{name}/passages.faiss is damaged (checksum mismatch); "
        "rebuilding the index\n"
    )
    assert result.stdout.startswith("Indexed 59 passages") and "full rebuild" in result.stdout


@pytest.mark.parametrize("command", [("ask", "Who was Turkul?"), ("index",)])
def test_a_deleted_generation_is_rebuilt_by_ask_and_by_index(project: Path, command):
    generation = (project / "embeddings" / "CURRENT").read_text().strip()
    shutil.rmtree(project / "embeddings" / generation)
    result, _ = qabot(project, *command)
    assert result.returncode == 0, result.stderr
    assert "manifest.json is missing" in result.stderr
    assert "--force" not in result.stderr and "Traceback" not in result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("qabot: ", "Updating the index (", "Indexed ")), line


def test_settings_a_command_does_not_use_or_a_flag_overrides(project: Path):
    bad = {"QABOT_TOP_K": "abc"}
    result, _ = qabot(project, "ask", "Who was Turkul?", "-k", "2", env=bad)
    assert result.returncode == 0 and result.stdout.count("\n[") == 2
    result, _ = qabot(project, "passages", env=bad)
    assert result.returncode == 0 and "About this text" in result.stdout
    assert result.stderr.startswith("qabot: warning: ignoring invalid setting QABOT_TOP_K")
    result, _ = qabot(project, "ask", "Who was Turkul?", env=bad)
    assert result.returncode == 2 and "QABOT_TOP_K = 'abc'" in result.stderr
    (project / "config").mkdir()
    (project / "config" / "qabot.toml").write_text("topk = 5\n")
    result, _ = qabot(project, "ask", "Who was Turkul?")
    assert result.returncode == 2
    assert result.stderr == (
        "qabot: error: unknown setting 'topk' in config/qabot.toml; did you mean 'top_k'?\n"
    )


def test_outside_the_project_nothing_is_written(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result, seconds = qabot(elsewhere, "ask", "Who met Trotsky?")
    assert result.returncode == 1 and seconds < 5
    assert result.stderr.startswith("qabot: error: corpus folder corpus not found")
    assert "Updating the index" not in result.stderr
    assert list(elsewhere.iterdir()) == []  # no embeddings folder, no lock file


def test_an_empty_corpus_is_an_error_that_says_how_to_add_a_text(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "notes.pdf").write_bytes(b"%PDF")
    result, _ = qabot(tmp_path, "ask", "Who met Trotsky?")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "qabot: error: the corpus folder corpus holds no texts (.txt, .md, .markdown, .html, "
        ".htm, .xhtml, .epub); put one "
        "there (e.g. cp mytext.txt corpus/) and run `qabot index`"
    )
    assert not (tmp_path / "embeddings").exists()


def test_embedding_reports_tokens_in_batches_of_similar_length():
    embedder = FakeEmbedder(max_tokens=12)
    embedder.batch_size = 2  # type: ignore[attr-defined]
    texts = ["a b", "a b c d e f g h i j k l m n o p", "a", "a b c d e"]
    reported: list[int] = []
    total: list[int] = []

    def start(count: int):
        total.append(count)
        return reported.append

    vectors = embed_steadily(embedder, texts, start)
    assert embedder.embedded[:2] == [texts[1], texts[3]]  # longest first
    assert total == [12 + 7 + 4 + 3] and reported == [12 + 7, 4 + 3]  # tokens, capped
    assert (vectors == FakeEmbedder().embed(texts)).all()  # each text keeps its row


def test_the_bot_asks_only_for_the_intents_it_uses(tmp_path: Path):
    import discord

    from qabot.bot import Qabot, intents_for

    settings = load_settings(corpus_dir=tmp_path, embeddings_dir=tmp_path)
    wanted = discord.Intents.none()
    wanted.guilds = wanted.guild_messages = wanted.dm_messages = wanted.message_content = True
    assert intents_for(settings, message_content=True) == wanted
    without = intents_for(settings, message_content=False)
    assert not without.message_content and without.guilds and without.dm_messages
    client = Qabot(fake_service(tmp_path, {}), settings)
    assert client.intents == wanted  # what it identifies with
    for unused in ("typing", "reactions", "voice_states", "invites", "webhooks", "members"):
        assert not getattr(client.intents, unused), unused


def read_only_qabot(project: Path, *args: str, stdin: str | None = None):
    """`qabot …` with the project's embeddings folder mounted read-only: a private mount
    namespace (`unshare -m`) with a read-only bind mount, which stops root too."""
    embeddings = project / "embeddings"
    command = " ".join(shlex.quote(part) for part in [sys.executable, "-m", "qabot", *args])
    script = (
        f"mount --bind {shlex.quote(str(embeddings))} {shlex.quote(str(embeddings))} && "
        f"mount -o remount,ro,bind {shlex.quote(str(embeddings))} && "
        f"touch {shlex.quote(str(embeddings))}/probe 2>/dev/null && exit 97; {command}"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "HF_"))}
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=project,
        capture_output=True,
        text=True,
        input=stdin,
        env=environment,
        timeout=120,
    )


def test_a_read_only_index_keeps_answering_and_index_names_the_folder(project: Path):
    """After a corpus edit, every reading command answers from the last whole index and
    says once why it is stale; `qabot index` fails with one line naming the folder."""
    journal = project / "corpus" / "trotsky-journal-1936-1937.txt"
    journal.write_text(journal.read_text(encoding="utf-8") + "\nA new closing line.\n")
    before = sorted(p.name for p in (project / "embeddings").rglob("*"))
    asked = read_only_qabot(
        project, "ask", "--json", "-", stdin="Who met Trotsky?\nWho was Turkul?\n"
    )
    assert asked.returncode == 0, asked.stderr
    assert len(asked.stdout.splitlines()) == 2
    assert all(json.loads(line)["results"] for line in asked.stdout.splitlines())
    note = asked.stderr.splitlines()
    assert len(note) == 1 and note[0].startswith(
        "qabot: note: answering from the last index, which is out of date ("
    ), asked.stderr
    assert "cannot write the index in embeddings (Read-only file system)" in note[0]
    for command in (
        ("entry", "1937-01-09"),
        ("timeline",),
        ("verify", "We are not permitted to use the radio"),
        ("passages",),
    ):
        result = read_only_qabot(project, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout and result.stderr.count("\n") <= 1, (command, result.stderr)
    indexed = read_only_qabot(project, "index")
    assert indexed.returncode == 1, indexed.stderr
    assert indexed.stderr == (
        "qabot: error: cannot write the index in embeddings (Read-only file "
        "system); make the folder writable, or set QABOT_EMBEDDINGS_DIR to one that is\n"
    )
    assert sorted(p.name for p in (project / "embeddings").rglob("*")) == before
