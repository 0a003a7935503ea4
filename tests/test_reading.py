"""Reading the journal: entries by date, the timeline, read-on navigation, quotation
checks, and ids that survive other edits (real model, real index)."""

from __future__ import annotations

import itertools
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from qabot.cli import cli
from qabot.search.reading import PassageGone
from qabot.search.verify import CLOSE_SCORE, words_of
from tests.fakes import fake_service

REPO = Path(__file__).resolve().parent.parent
QUOTES = REPO / "tests" / "eval" / "quotes.jsonl"


@pytest.fixture
def run(built_project: Path):
    def invoke(*args: str):
        environment = {
            "QABOT_CORPUS_DIR": str(built_project / "corpus"),
            "QABOT_EMBEDDINGS_DIR": str(built_project / "embeddings"),
            "COLUMNS": "100",
        }
        return CliRunner().invoke(cli, list(args), env=environment)

    return invoke


@pytest.mark.e2e
@pytest.mark.parametrize("written", ["1937-01-09", "January 9", "Jan 9 1937", "9 January"])
def test_entry_by_date_as_people_write_it(run, written: str):
    result = run("entry", written, "--json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["exact"] and record["entries"] == ["1937-01-09"] and record["note"] is None
    passages = record["results"]
    assert passages[0]["text"].startswith("In the hot tropical morning our tanker")
    assert {p["date"] for p in passages} == {"1937-01-09"}
    assert [p["section"] for p in passages][-1] == "The Second Moscow Trial"
    for before, after in itertools.pairwise(passages):
        assert before["next_id"] == after["id"] and after["prev_id"] == before["id"]


@pytest.mark.e2e
def test_a_day_without_an_entry_gives_the_nearest(run):
    record = json.loads(run("entry", "January 5, 1937", "--json").stdout)
    assert not record["exact"] and record["entries"] == ["1936-12-30", "1937-01-09"]
    assert record["note"] == (
        "The text has no entry for January 5, 1937; the nearest: December 30, 1936 and "
        "January 9, 1937."
    )
    result = run("entry", "sometime")
    assert result.exit_code == 2 and "is not a day" in result.stderr


@pytest.mark.e2e
def test_the_timeline_agrees_with_the_corpus(run, real_service):
    records = [json.loads(line) for line in run("timeline", "--json").stdout.splitlines()]
    (journal,) = records
    passages = real_service.library().passages()
    dated = Counter(p.date for p in passages if p.date)
    assert [(e["date"], e["passages"]) for e in journal["entries"]] == sorted(dated.items())
    sections = Counter(p.section for p in passages if p.section)
    assert {s["name"]: s["passages"] for s in journal["sections"]} == dict(sections)
    assert journal["entries"][0]["first_words"].startswith("These lines are being written")
    human = run("timeline").stdout
    assert "December 28, 1936  (19 passages)" in human and "sections: About this text (1)" in human


@pytest.mark.e2e
def test_read_on_from_any_answer(run):
    answer = json.loads(run("ask", "--json", "-k", "3", "Who met Trotsky at Tampico?").stdout)
    top = answer["results"][0]
    assert {"id", "prev_id", "next_id"} <= set(top)
    window = json.loads(run("show", str(top["id"]), "--context", "1", "--json").stdout)
    ids = [p["id"] for p in window["results"]]
    assert ids == [top["prev_id"], top["id"], top["next_id"]] and window["focus"] == 1
    # across a section boundary: the last passage of one section, the first of the next
    boundary = json.loads(run("entry", "1936-12-30", "--json").stdout)["results"]
    sections = [p["section"] for p in boundary]
    cut = next(i for i in range(1, len(sections)) if sections[i] != sections[i - 1])
    assert boundary[cut - 1]["next_id"] == boundary[cut]["id"]
    human = run("show", str(top["id"]))
    assert human.exit_code == 0 and human.stdout.startswith(f"▶ #{top['id']}  Pages From")


@pytest.mark.e2e
def test_verify_classifies_the_labeled_quotations(real_service):
    """The bar: at least 95 % right on tests/eval/quotes.jsonl (the confusion table)."""
    cases = [json.loads(line) for line in QUOTES.read_text().splitlines() if line.strip()]
    assert len(cases) >= 40
    kinds = Counter(c["kind"] for c in cases)
    assert kinds["verbatim"] >= 5 and kinds["normalized"] >= 5 and kinds["altered"] >= 10
    assert kinds["author-elsewhere"] >= 5 and kinds["made-up"] >= 5
    library = real_service.library()
    table = Counter((c["verdict"], library.verify(c["quote"]).verdict) for c in cases)
    right = sum(n for (want, got), n in table.items() if want == got)
    print({f"{want}→{got}": n for (want, got), n in sorted(table.items())})
    assert right / len(cases) >= 0.95, table
    assert 50 <= CLOSE_SCORE <= 95


@pytest.mark.e2e
def test_verify_json_says_where_and_how_it_differs(run):
    exact = json.loads(run("verify", "On the 21st I answered it with an article", "--json").stdout)
    assert set(exact) == {
        *("quote", "verdict", "score", "citation", "passage_id", "match", "diff", "closest"),
        *("prev_id", "next_id"),
    }
    assert (
        exact["verdict"] == "exact"
        and exact["match"] == "On the 21st 1 answered it with an article"
    )
    assert "The Second Moscow Trial" in exact["citation"] and exact["diff"] == []
    close = json.loads(run("verify", "We are not allowed to use the radio.", "--json").stdout)
    assert close["verdict"] == "close" and close["match"] == "We are not permitted to use the radio"
    assert {"op": "-", "text": "allowed"} in close["diff"]
    assert {"op": "+", "text": "permitted"} in close["diff"]
    absent = json.loads(
        run("verify", "Old age is the most unexpected of all things.", "--json").stdout
    )
    assert absent["verdict"] == "absent" and absent["passage_id"] is None
    assert len(absent["closest"]) == 3 and all(c["citation"] for c in absent["closest"])
    human = run("verify", "We are not allowed to use the radio.").stdout
    assert "We are not [-allowed-] {+permitted+} to use the radio" in human


@pytest.mark.e2e
@pytest.mark.parametrize(
    "quote",
    [
        "Our planet is so small but we know so little about it",
        "our tanker entered the harbour of Tampico in the cold morning",
        "THE GREATER PART OF THE VOYAGE LIES BEHIND",
    ],
)
def test_verify_shows_the_text_in_its_own_words(run, built_project, quote):
    """Aligned on normalized words, shown in the text's words: the text's side of the
    diff is a run of the file itself (case, spelling and OCR as written)."""
    record = json.loads(run("verify", quote, "--json").stdout)
    assert record["verdict"] == "close", record
    source = " ".join(
        (built_project / "corpus" / "trotsky-journal-1936-1937.txt").read_text().split()
    )
    text_side = " ".join(d["text"] for d in record["diff"] if d["op"] in "=+")
    assert text_side.split() == [w.strip(".,;:!?") for w in record["match"].split()]
    words = record["match"].split()
    assert " ".join(words) in source
    assert all(
        word in source for d in record["diff"] if d["op"] in "=+" for word in d["text"].split()
    )
    assert all(
        word in quote for d in record["diff"] if d["op"] == "-" for word in d["text"].split()
    )


def test_what_verify_normalizes():
    words = [w.text for w in words_of("“Frank- ness,” he said — 1 did; lie seeks! AHEAD-the")]
    assert words == ["frankness", "he", "said", "i", "did", "he", "seeks", "ahead", "the"]


JOURNAL = """A Diary

May 2, 1930.

The ship left the harbor at dawn. We read Ibsen on deck.

A storm kept everyone below for two days. The captain showed us charts.
"""


def test_ids_survive_other_edits_and_gone_ones_are_explained(tmp_path: Path):
    service = fake_service(tmp_path, {"diary.txt": JOURNAL, "other.txt": "Another text entirely."})
    service.update()
    first, second = [p for p in service.library().passages() if p.source == "diary.txt"]
    # an unrelated file changes, and the other paragraph of this one: ids stay
    (tmp_path / "corpus" / "other.txt").write_text("Another text, edited.")
    edited = JOURNAL.replace("The captain showed us charts.", "The captain showed us maps.")
    (tmp_path / "corpus" / "diary.txt").write_text(edited)
    service.update()
    reader = service.library()
    assert reader.passage(first.id) == first
    with pytest.raises(PassageGone, match=r"has changed since; this is the passage now") as changed:
        reader.passage(second.id)
    assert changed.value.now is not None and "maps" in changed.value.now.text
    window = reader.show(second.id, 0)
    assert window.note and window.passages[window.focus].passage.text.endswith("maps.")
    shutil.move(tmp_path / "corpus" / "diary.txt", tmp_path / "diary.txt")
    service.update()
    with pytest.raises(PassageGone, match=r"was in diary.txt, which is gone from the corpus"):
        service.library().passage(first.id)
    with pytest.raises(PassageGone, match=r"no passage with id 12345"):
        service.library().passage(12345)
