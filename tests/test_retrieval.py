"""The question path over a small journal with the fake embedder: filters, dates,
duplicates, highlights, the front-matter passage, abstention and the scores shown.
FAISS, BM25 and the index files are real."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qabot.errors import QuestionError
from qabot.maintainer import IndexMaintainer
from qabot.search.abstention import FITTED, AbstentionModel, NameTable
from qabot.search.fusion import Ranking
from qabot.search.query import FilterError, Filters
from tests.fakes import fake_service, searched_approximately

JOURNAL = """Voyage Out

May 2, 1930.

The ship left the harbor at dawn. We read Ibsen on deck while the sailors painted the rails.

A storm kept everyone below for two days. The captain showed us charts of the Gulf.

Arrival

May 5

Frida met the tanker at Tampico. A special train carried the party to the capital.

The oil derricks reminded us of Baku. We stayed in the blue house with the orange tree.
"""


@pytest.fixture
def service(tmp_path: Path) -> IndexMaintainer:
    service = fake_service(tmp_path, {"journal.txt": JOURNAL})
    service.library()
    return service


def test_the_index_holds_sentences_and_words(service: IndexMaintainer):
    index = service.store.load()
    assert len(index) == 4
    assert "Frida met the tanker at Tampico." in index.units.texts  # a sentence unit
    assert len(index.units) == 8 and index.units.vectors.matrix.shape == (8, 64)
    assert {"tanker", "derricks", "harbor"} <= set(index.lexicon.words)


def test_highlight_is_the_answering_sentence(service: IndexMaintainer):
    answer = service.library().ask("Who met the tanker at Tampico?")
    top = answer.hits[0]
    assert top.passage.text.startswith("Frida met the tanker")
    assert top.highlight == "Frida met the tanker at Tampico."
    assert all(hit.highlight and hit.highlight in hit.passage.text for hit in answer.hits)
    assert top.match == "both" and not answer.abstained


def test_section_filter_matches_case_and_quotes_loosely(service: IndexMaintainer):
    answer = service.library().ask("ship harbor", 4, Filters(section="  arrival "))
    assert answer.hits and {h.passage.section for h in answer.hits} == {"Arrival"}
    assert not answer.abstained  # the asker chose where to look


def test_unknown_section_lists_the_sections(service: IndexMaintainer):
    with pytest.raises(FilterError, match=r"no such section; sections: Arrival, Voyage Out") as e:
        service.library().ask("ship", filters=Filters(section="Departure"))
    assert (e.value.field, e.value.value) == ("section", "Departure")
    assert "--" not in str(e.value)  # the search package never speaks in flags


def test_date_filter_exact_nearest_and_far(service: IndexMaintainer):
    exact = service.library().ask("ship", 4, Filters(date="1930-05-05"))
    assert {h.passage.date for h in exact.hits} == {"1930-05-05"} and exact.notes == ()
    nearest = service.library().ask("ship", 4, Filters(date="1930-05-03"))
    assert {h.passage.date for h in nearest.hits} == {"1930-05-02", "1930-05-05"}
    assert nearest.notes == (
        "The text has no entry for May 3, 1930; showing the nearest entries "
        "(May 2, 1930 and May 5, 1930).",
    )
    with pytest.raises(QuestionError, match="no entries near it; its entries run from 1930-05-02"):
        service.library().ask("ship", filters=Filters(date="1932-01-01"))
    with pytest.raises(FilterError, match="not a date; use YYYY-MM-DD") as caught:
        Filters(date="May 5")
    assert caught.value.field == "date"


def test_a_date_in_the_question_prefers_that_entry(service: IndexMaintainer):
    plain = service.library().ask("What about the ship and the harbor?", 4)
    assert plain.hits[0].passage.date == "1930-05-02"
    dated = service.library().ask("What about the ship and the harbor on May 5?", 4)
    assert [h.passage.date for h in dated.hits[:2]] == ["1930-05-05"] * 2
    assert not dated.abstained and dated.notes == ()
    missing = service.library().ask("What about the ship on May 4, 1930?", 4)
    assert missing.notes and "no entry for May 4, 1930" in missing.notes[0]


def test_a_generic_date_question_shows_the_entry_from_its_beginning(service: IndexMaintainer):
    for question in ("What did he write on May 5?", "What happens on May 5?"):
        answer = service.library().ask(question, 2)
        assert [h.passage.text[:10] for h in answer.hits] == ["Frida met ", "The oil de"]
        assert answer.order == "entry"


def test_copies_of_a_text_are_not_returned_twice(service: IndexMaintainer, tmp_path: Path):
    shutil.copy(tmp_path / "corpus" / "journal.txt", tmp_path / "corpus" / "journal-copy.txt")
    service.update()
    assert len(service.library()) == 8
    answer = service.library().ask("Who met the tanker at Tampico?", 8)
    texts = [h.passage.text for h in answer.hits]
    assert len(texts) == len(set(texts)) == 4  # each passage once, from one of the files


def test_unknown_names_spelling_variants_and_possessives(service: IndexMaintainer):
    from qabot.search.abstention import unknown_names

    names = NameTable.build(service.store.load())
    assert unknown_names(names, "What did Dewey say about the ship?") == ("Dewey",)
    assert unknown_names(names, "What happened to the ship in 1940?") == ("1940",)
    assert unknown_names(names, "What did Frida do at Tampico?") == ()
    # Another spelling or transliteration of a name the text has is not unknown.
    assert unknown_names(names, "What did Frieda do at Tampicco?") == ()
    assert unknown_names(names, "Did Fríďa meet them?") == ()
    # A possessive ends a name: "Frida's Tampico" is two names side by side, not one.
    assert unknown_names(names, "Was it Frida's Tampico tanker?") == ()


def test_another_word_is_no_respelling(service: IndexMaintainer):
    """A respelling keeps the consonants in order: 'Pyatakov' is 'Piatakov', 'Yagoda'
    'Jagoda', 'music' 'musick'; 'Darwin' is not the text's 'dawn', nor 'potatoes'
    'mottoes', nor 'Christmas' 'Christians', though each is within rapidfuzz ratio 80."""
    from qabot.search.abstention import unknown_names
    from qabot.text.spelling import Spellings

    names = NameTable.build(service.store.load())
    assert unknown_names(names, "Did Darwin sail at dawn?") == ("Darwin",)
    assert unknown_names(names, "What did Frieda think of Darwin?") == ("Darwin",)
    text = Spellings.of(["christians", "dawn", "frieda", "jagoda", "mottoes", "musick", "piatakov"])
    assert [text.as_written(w) for w in ("Pyatakov", "Yagoda", "music", "Frida")] == [
        "piatakov",
        "jagoda",
        "musick",
        "frieda",
    ]
    assert [text.as_written(w) for w in ("Darwin", "potatoes", "Christmas")] == [None] * 3


def test_the_word_a_question_asks_about_is_unknown_when_never_written(service: IndexMaintainer):
    """ "What is an airplane?", "What did Frida think of umbrellas?": the word asked about
    and nothing else, capitalized or not, counts as a name the text never mentions, and
    the reason says so. A word the text has, in any form, is not unknown; nor is a word
    of a question that asks more than what one thing is."""
    from qabot.search.abstention import unknown_names

    names = NameTable.build(service.store.load())
    assert unknown_names(names, "What is an airplane?") == ("airplane",)
    assert unknown_names(names, "What did Frida think of umbrellas?") == ("umbrellas",)
    assert unknown_names(names, "Define submarine.") == ("submarine",)
    assert unknown_names(names, "What did Dewey say about parrots?") == ("Dewey", "parrots")
    assert unknown_names(names, "What did Frida think of the sailors?") == ()
    assert unknown_names(names, "What is a sailor?") == ()  # the text has "sailors"
    assert unknown_names(names, "What is a harbour?") == ()  # "harbor", spelled otherwise
    assert unknown_names(names, "Did the sailors paint umbrellas?") == ()  # asks more
    library = service.library()
    by_names = replace(library.config, abstention=AbstentionModel({"unknown_name": -5.0}, 2.0, 0.5))
    asked = library.query("What did Frida think of umbrellas?", 2)
    refused = library.explain(asked, config=by_names)
    assert refused.answer.abstained
    assert refused.answer.abstain_reason == "the text never mentions umbrellas"


def test_a_question_without_its_names():
    """The names are the capitalized words after the first, not dates, not "I"; a
    question in capitals alone names nothing by its case."""
    from qabot.text.names import names, without_names

    assert names("Who met Trotsky when the tanker reached Tampico?") == ["Trotsky", "Tampico"]
    assert (
        without_names("Where did Garnet and Phyllis go on their honeymoon?")
        == "Where did and go on their honeymoon?"
    )
    assert without_names("What did Pepys's wife do on May 5?") == "What did wife do on May 5?"
    assert without_names("What did I say, Mr. Ukridge?") == "What did I say?"
    assert without_names("WHO WAS PEPYS?") == "WHO WAS PEPYS?"

    # Typed without capitals (or in capitals alone), the names are the words the text
    # writes as names; a question that shows its names by case keeps its own.
    def text(word: str) -> bool:
        return word.lower() in {"trotsky", "tampico", "pepys"}

    assert names("who met trotsky's friends at tampico?", text) == ["trotsky's", "tampico"]
    assert names("WHO WAS PEPYS?", text) == ["PEPYS"]
    assert names("Who met Trotsky at tampico?", text) == ["Trotsky"]


def test_how_the_text_writes_a_word(service: IndexMaintainer):
    """A name is a word the text writes with a capital inside a sentence more often than
    not; a capital at a sentence's start does not count."""
    from qabot.index.texts import PassageTexts
    from qabot.search.casing import CasingTable

    index = service.store.load()
    casing = CasingTable(index.bm25.passages, PassageTexts(index.passages))
    assert [casing.written_as_name(w) for w in ("tampico", "baku", "Ibsen")] == [True] * 3
    assert [casing.written_as_name(w) for w in ("tanker", "the", "darwin", "storm")] == [False] * 4
    # "Frida met the tanker at Tampico.": her only mention opens a sentence.
    assert not casing.written_as_name("frida")


def test_a_question_typed_without_capitals_names_what_the_text_names(service: IndexMaintainer):
    """ "who read ibsen near baku?" weighs Ibsen and Baku at half as "Who read Ibsen near
    Baku?" does, and looks its names up the same way."""
    library = service.library()
    measured = replace(library.config, abstention=AbstentionModel({"aspect": 5.0}, -2.0, 0.5))
    cased, typed = (
        library.explain(library.query(q, 2), config=measured, measure_all=True).evidence
        for q in ("Who read Ibsen near Baku?", "who read ibsen near baku?")
    )
    assert cased.apart_from == ("Ibsen", "Baku")
    assert typed.apart_from == ("ibsen", "baku")
    assert typed.unknown_names == cased.unknown_names == ()


def test_the_aspect_is_read_on_the_same_passages_however_many_are_shown(tmp_path: Path):
    """The abstention rule reads the question, its names at half weight, against the
    answer's first five passages: the same confidence whether one passage is shown or
    eight."""
    from qabot.search.aspect import ASPECT_DEPTH, closeness

    days = "\n\n".join(
        f"May {day}\n\nFrida {verb} at Tampico with the captain."
        for day, verb in enumerate(
            ("sailed", "rested", "painted", "wrote", "read", "walked", "sang", "danced", "slept"),
            start=1,
        )
    )
    library = fake_service(tmp_path, {"days.txt": days}).library()
    measured = replace(library.config, abstention=AbstentionModel({"aspect": 5.0}, -2.0, 0.5))
    question = "Where did Frida go on her honeymoon?"
    seen = [library.explain(library.query(question, k), config=measured) for k in (1, 3, 8)]
    assert len(seen[2].answer.hits) == 8 > ASPECT_DEPTH
    assert len({explained.evidence.aspect for explained in seen}) == 1
    assert len({explained.decision.confidence for explained in seen}) == 1
    first = [h.passage.id for h in seen[2].answer.hits]
    positions = [[p.id for p in library.passages()].index(i) for i in first]
    retrieval = seen[2].retrieval
    assert retrieval.signals is not None
    aspect = closeness(library._tables.dense, retrieval.signals.aspect_vector, positions)
    assert seen[0].evidence.aspect == aspect


def test_the_reason_says_whom_the_passages_speak_of_and_not_what():
    """When the passages match the question's names and not the rest of it, the reason
    says so, naming only the names the text writes."""
    from qabot.search.abstention import Evidence

    model = AbstentionModel({"aspect": 10.0, "unknown_name": -3.0}, -5.0, 0.5)
    evidence = Evidence(
        cosine=0.6,
        excess=0.0,
        top_cosine=0.6,
        bm25=0.0,
        unknown_names=("Dewey",),
        asked_type=None,
        type_found=True,
        coverage=0.0,
        aspect=0.3,
        apart_from=("Dewey", "Frida"),
    )
    assert model.reason(evidence) == (
        "the text never mentions Dewey; the passages found speak of Frida, not of what is "
        "asked (cosine 0.30 with the names at half weight)"
    )
    only_unknown = replace(evidence, apart_from=("Dewey",))
    assert model.reason(only_unknown).endswith(
        "; no passage is close to what is asked (cosine 0.30 with the names at half weight)"
    )


INTRODUCED = """Chapter One

A letter came from an artist friend of mine, one Lickford, who was sketching in the west.

Chapter Two

Lickford again. Lickford wrote that Lickford had met Ukridge. Lickford, Lickford, Lickford.

Lickford's brother Tom kept bees at Yeovil and sold their honey to the grocer.
"""


def test_who_or_where_a_name_is_prefers_its_first_mention(tmp_path: Path):
    """ "Who is Lickford?" asks what the text says when it introduces him: the first
    passage that names him comes first (by relevance alone the second, which names him
    six times, would), and the answer is exempt from abstaining. A question that asks
    more than who he is is ranked as any other."""
    from qabot.search.introduction import asked_name

    service = fake_service(tmp_path, {"novel.txt": INTRODUCED})
    library = service.library()
    plain = replace(library.config, abstention=AbstentionModel({"cosine": 50.0}, -40.0, 0.99))
    for question in ("Who is Lickford?", "who is lickford", "WHO WAS LICKFORD?"):
        explained = library.explain(library.query(question, 2), config=plain)
        assert explained.answer.hits[0].passage.text.startswith("A letter came"), question
        assert not explained.answer.abstained
        assert explained.evidence.exempt
    assert library.ask("Who is Mr. Lickford?", 1).hits[0].passage.text.startswith("A letter")
    # A name the text spells otherwise is looked for as the text spells it.
    respelled = library.explain(library.query("Who is Lickferd?", 2), config=plain)
    assert respelled.answer.hits[0].passage.text.startswith("A letter came")
    assert respelled.evidence.exempt and not respelled.answer.abstained
    other = library.ask("Who was Lickford's brother?", 1)
    assert not other.hits[0].passage.text.startswith("A letter came")
    assert asked_name("Who was Lickford's brother?") is None
    assert asked_name("who is the author") is None  # no name: a common noun
    assert asked_name("In which county is Yeovil?").name == "Yeovil"  # type: ignore[union-attr]
    assert asked_name("Who was Sir William Batten?").forms == (  # type: ignore[union-attr]
        "Sir William Batten",
        "William Batten",
        "Batten",
    )


FAMILY = """Chapter One

Ukridge came up the stairs three at a time, shouting for his old friend Garnet.

Chapter Two

Then Ukridge brought in his wife. Mrs Ukridge was a small, shy girl with grey eyes.

Chapter Three

Mrs. Ukridge made the tea while Ukridge talked of hens, and Ukridge talked on.
"""


def test_a_title_of_family_is_not_looked_for_by_the_surname_alone(tmp_path: Path):
    """ "Mrs. Ukridge" is not the "Ukridge" the text first names, her husband: her first
    mention is the first passage that writes her title and name, with or without the
    title's full stop. A title of office still falls back to the surname."""
    from qabot.search.introduction import asked_name

    service = fake_service(tmp_path, {"novel.txt": FAMILY})
    library = service.library()
    for question in ("Who is Mrs. Ukridge?", "who is mrs ukridge", "Who is Mrs Ukridge?"):
        first = library.ask(question, 1).hits[0].passage.text
        assert first.startswith("Then Ukridge brought in his wife"), question
    assert asked_name("Who was Lady Jemimah Montagu?").forms == (  # type: ignore[union-attr]
        "Lady Jemimah Montagu",
        "Jemimah Montagu",
    )
    assert asked_name("Who is Mrs. Ukridge?").forms == ("Mrs. Ukridge",)  # type: ignore[union-attr]
    assert asked_name("Who is Professor Derrick?").forms == (  # type: ignore[union-attr]
        "Professor Derrick",
        "Derrick",
    )


SPELLED_APART = """Chapter One

So home, and there find our new girl Willet come, very pretty and grave, to wait on my
wife. Greatorex took me to Arundell-House, and showed me the statues in the gallery.

Chapter Two

Deb and my wife to the play, Deb very merry, and Deb sang all the way home with Deb's
cousin. To Arundel House, where the Society met; Arundel House very full, the Society at
Arundel House till night.

Chapter Three

Deb to her aunt's; Deb weeping, and Deb gone. Lane's shop in Mincing Lane shut.
"""


def test_a_name_is_first_met_as_the_text_spells_it(tmp_path: Path):
    """A diary writes one name several ways: "Who was Deb Willet?" is first met where
    it says "Willet" (it never writes both names together), "Where was Arundel House?"
    where it writes "Arundell-House" (by relevance the second chapter, which writes
    "Arundel House" three times, would come first). A place is not looked for by its
    last word: "Where is Mincing Lane?" is not "Lane"."""
    from qabot.search.introduction import asked_name

    service = fake_service(tmp_path, {"diary.txt": SPELLED_APART})
    library = service.library()
    plain = replace(library.config, abstention=AbstentionModel({"cosine": 50.0}, -40.0, 0.99))
    for question in ("Who was Deb Willet?", "Where was Arundel House?"):
        explained = library.explain(library.query(question, 2), config=plain)
        assert explained.answer.hits[0].passage.text.startswith("So home"), question
        assert explained.evidence.exempt, question
    assert asked_name("Who was Deb Willet?").surname.name == "Willet"  # type: ignore[union-attr]
    assert asked_name("Where is Mincing Lane?").surname is None  # type: ignore[union-attr]
    assert asked_name("Who was Lord Brouncker?").surname is None  # type: ignore[union-attr]


NAMED = """Chapter One

Ukridge bought fifty hens at Axminster and put them in the run behind the house.

Chapter Two

There was one hen, sardonic and disagreeable, which Ukridge, for a likeness of profile to
his wife's aunt, had christened Aunt Elizabeth.

Chapter Three

Aunt Elizabeth laid no eggs. Aunt Elizabeth ate the corn of three hens. Why was one of
the hens always Aunt Elizabeth? Aunt Elizabeth, Aunt Elizabeth, the hen of hens.

Chapter Four

Aunt Elizabeth isn't what you might call an admirer of Ukridge, said his wife.
"""


def test_why_a_name_was_given_prefers_the_passages_that_give_it(tmp_path: Path):
    """ "Why was one of the hens called Aunt Elizabeth?" asks what the text says where
    it gives the name: the passage that writes it after a word of naming comes first
    (by relevance alone the third, which names her five times, would), and the answer
    is exempt from abstaining. A name merely near "call" is not given there, and a
    visit is no naming."""
    from qabot.search.naming import asked_naming

    service = fake_service(tmp_path, {"novel.txt": NAMED})
    library = service.library()
    plain = replace(library.config, abstention=AbstentionModel({"cosine": 50.0}, -40.0, 0.99))
    for question in (
        "Why was one of the hens called Aunt Elizabeth?",
        "Why did Ukridge name the hen Aunt Elizabeth?",
        "How did Aunt Elizabeth get her name?",
        "why was the hen called aunt elizabeth",
    ):
        explained = library.explain(library.query(question, 4), config=plain)
        assert explained.answer.hits[0].passage.text.startswith("There was one hen"), question
        assert not explained.answer.hits[1].passage.text.startswith("Aunt Elizabeth isn't")
        assert not explained.answer.abstained
        assert explained.evidence.exempt
    assert asked_naming("Why did Pepys call on Lord Sandwich?") is None
    assert asked_naming("Why was Pepys called to Whitehall?") is None
    assert asked_naming("Who called on the narrator?") is None
    assert asked_naming("Why is Vauxhall so called?").name == "Vauxhall"  # type: ignore[union-attr]
    assert asked_naming("After whom was Wallingford House named?").name == (  # type: ignore[union-attr]
        "Wallingford House"
    )


def test_a_person_named_by_names_the_text_uses_apart_is_known(tmp_path: Path):
    """ "Deb Willet" when the text says "Deb" and "Willet" in the same entries is a
    person it mentions; names that never share a passage are still an unknown run, and
    so are words that share one only in lower case."""
    from qabot.search.abstention import unknown_names

    diary = (
        "June 1, 1668. My wife and Deb to the play; Willet in her new gown.\n\n"
        "June 2, 1668. Isaac the clerk came. Dined at home, the house quiet.\n\n"
        "June 3, 1668. To Newton's shop for books, and so to bed. A glorious day.\n\n"
        "June 4, 1668. Talk of the revolution in Portugal.\n"
    )
    service = fake_service(tmp_path, {"diary.txt": diary})
    service.update()
    names = NameTable.build(service.store.load())
    assert unknown_names(names, "Who is Deb Willet?") == ()
    assert unknown_names(names, "Where did Deb Willet go?") == ()
    assert unknown_names(names, "Who was Isaac Newton?") == ("Isaac Newton",)
    assert unknown_names(names, "What of the Glorious Revolution?") == ("Glorious Revolution",)


def test_an_adjective_of_nationality_is_no_unknown_name(service: IndexMaintainer):
    """An adjective of nationality describes what the text names otherwise ("the
    Scandinavian dramatist" is Ibsen): the text need not say "Scandinavian". A name
    beside it is still looked for, and so is a run of capitalized words as a phrase."""
    from qabot.search.abstention import unknown_names

    names = NameTable.build(service.store.load())
    assert unknown_names(names, "Which Scandinavian dramatist met the tanker?") == ()
    assert unknown_names(names, "Did the Bulgarians meet Frida?") == ()
    assert unknown_names(names, "Which Greek goddess did Dewey name?") == ("Dewey",)
    assert unknown_names(names, "Was the Greek Tampico there?") == ("Greek Tampico",)
    # First names that are also peoples' names are names: not in the table.
    assert unknown_names(names, "What did Norman say at Tampico?") == ("Norman",)


def test_a_question_in_capitals_names_nothing_by_its_case(service: IndexMaintainer):
    """ "WHO MET FRIDA AT TAMPICO" is the question asked in lower case: its capitals mark
    no names (it had abstained: "the text never mentions MET FRIDA AT TAMPICO")."""
    from qabot.search.abstention import unknown_names

    names = NameTable.build(service.store.load())
    assert unknown_names(names, "WHO MET FRIDA AT TAMPICO") == ()
    assert unknown_names(names, "WHAT HAPPENED IN 1940?") == ("1940",)
    assert unknown_names(names, "Who met DEWEY at Tampico?") == ("DEWEY",)
    shouted = service.library().ask("WHO MET FRIDA AT TAMPICO?", 2)
    asked = service.library().ask("Who met Frida at Tampico?", 2)
    assert [h.passage.id for h in shouted.hits] == [h.passage.id for h in asked.hits]
    assert shouted.abstained == asked.abstained


def test_abstention_rule_reasons_and_exemptions(service: IndexMaintainer):
    answerer = service.library()
    strict = AbstentionModel({"cosine": 10.0, "unknown_name": -5.0}, bias=-2.0, threshold=0.5)

    def explain(question: str, filters: Filters | None = None):
        config = replace(answerer.config, abstention=strict)
        return answerer.explain(answerer.query(question, 3, filters), config=config)

    named = explain("What did Dewey say about the tanker at Tampico?")
    assert named.answer.abstained and named.answer.hits  # the closest passages still shown
    assert "the text never mentions Dewey" in named.answer.abstain_reason
    far = explain("volcano eruption lava")
    assert far.answer.abstained and "no passage is close" in far.answer.abstain_reason
    # Exempt: the asker narrowed the search, or the question asks for a dated entry.
    assert not explain("volcano eruption lava", Filters(section="Arrival")).answer.abstained
    assert not explain("What did he write on May 5?").answer.abstained
    # A date of the text is no exemption by itself.
    dated = explain("Who won the Dewey volcano contest on May 5?")
    assert dated.answer.abstained
    assert not explain("Who met the tanker at Tampico?").answer.abstained


def test_scores_mean_one_thing(service: IndexMaintainer):
    """The top score is the confidence: an abstained answer always shows less."""
    answerer = service.library()
    confident = service.library().ask("Who met the tanker at Tampico?", 4)
    doubtful = service.library().ask("volcano eruption lava", 4)
    assert not confident.abstained and doubtful.abstained
    assert doubtful.hits[0].score < FITTED.threshold <= confident.hits[0].score
    for answer in (confident, doubtful):
        scores = [h.score for h in answer.hits]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        assert answer.order == "relevance"
    entry = service.library().ask("What did he write on May 5?", 2)
    assert entry.order == "entry" and [h.score for h in entry.hits] == [None, None]
    assert all(h.relevance is not None for h in entry.hits)
    assert answerer.config.abstention is FITTED


def test_rankings_can_be_compared(service: IndexMaintainer):
    answerer = service.library()
    question = "Who met the tanker at Tampico?"
    for mode in ("dense", "bm25"):
        config = replace(answerer.config, ranking=Ranking(mode=mode))
        hits = answerer.explain(answerer.query(question, 2), config=config).answer.hits
        assert hits[0].passage.text.startswith("Frida met the tanker")
    query = answerer.query(question, 4)
    config = replace(answerer.config, ranking=Ranking(fusion="rrf", rrf_k=1))
    rrf = answerer.explain(query, config=config).answer.hits
    relevance = [h.relevance for h in rrf]
    assert relevance == sorted(relevance, reverse=True) and relevance[0] <= 3 / 2  # three lists


def test_mix_relevance_is_the_weighted_distance_from_the_corpus_level(service: IndexMaintainer):
    """Each signal counts as its distance from its own level for the question, in spreads:
    the relevance is that weighted sum, and the best passages stand above the level."""
    from qabot.search.fusion import FITTED_WEIGHTS

    library = service.library()
    explained = library.explain(library.query("Who met the tanker at Tampico?", 4))
    signals = explained.retrieval.signals
    assert signals is not None
    levels = signals.levels
    at = {int(p): n for n, p in enumerate(signals.positions)}
    for ranked in explained.retrieval.ranked:
        n = at[ranked.position]
        parts = (
            levels.passage_cosine.z(signals.passage_cosine[n]),
            levels.sentence_cosine.z(signals.sentence_cosine[n]),
            levels.passage_bm25.z(signals.passage_bm25[n]),
            levels.sentence_bm25.z(signals.sentence_bm25[n]),
        )
        expected = sum(w * float(v) for w, v in zip(FITTED_WEIGHTS, parts, strict=True))
        assert abs(ranked.relevance - expected) < 1e-6
    relevances = [h.relevance for h in explained.answer.hits]
    assert relevances == sorted(relevances, reverse=True) and relevances[0] > 0


ABOUT_JOURNAL = (
    "Ann Writer\n\nA Sea Diary\n\nWritten: 1930\nTranslated: By Boris Rimsky.\n"
    "License: You may copy and share it freely.\n\n" + JOURNAL
)


def test_the_front_matter_answers_questions_about_the_text(tmp_path: Path):
    service = fake_service(tmp_path, {"diary.txt": ABOUT_JOURNAL})
    for question in ("Who translated it?", "May I copy this diary?"):
        top = service.library().ask(question, 3).hits[0].passage
        assert (top.section, top.role, top.date) == ("About this text", "about", None), question
        assert str(top.citation) == "A Sea Diary — About this text"
    # Questions about the body never get the front matter first, even when they name
    # the author or the title ("Ann Writer", "diary").
    for question in (
        "Who met the tanker at Tampico, Ann Writer?",
        "What does the diary say of Baku?",
    ):
        assert service.library().ask(question, 3).hits[0].passage.role == "text", question


def test_spelling_lookups_see_only_words_of_a_reachable_length(service: IndexMaintainer):
    """The length window loses no word the full search would have matched."""
    from rapidfuzz import fuzz, process

    from qabot.text.spelling import SPELLING_SIMILARITY

    names = NameTable.build(service.store.load()).spellings
    everything = sorted(names.words)
    probes = [w + suffix for w in everything for suffix in ("", "x", "xyz")] + [
        w[: max(len(w) - 2, 1)] for w in everything
    ]
    for probe in probes:
        near = names.similar_in_length(probe)
        assert set(near) <= names.words
        full = process.extractOne(probe, everything, scorer=fuzz.ratio)
        found = process.extractOne(probe, near, scorer=fuzz.ratio)
        if full is not None and full[1] >= SPELLING_SIMILARITY:
            assert found is not None and found[1] == full[1], probe
    assert len(names.similar_in_length("abcdefghij")) < len(everything)


FIRST_PERSON = (
    "Ann Writer\n\nA Sea Diary\n\nWritten: 1930\n\n"
    "Arrival\n\nMay 5, 1930.\n\nFrida met me at Tampico and we took the night train.\n\n"
    "A parcel for Ann Writer, the diarist, reached Tampico: Ann Writer, care of the ship.\n\n"
    "Departure\n\nMay 9, 1930.\n\nThe oil derricks reminded us of Baku and its long winter.\n"
)


def test_the_authors_name_is_no_lexical_evidence(tmp_path: Path):
    """In a first-person text the author is "I": a question naming them is answered by
    the passage that tells what happened, not by one that happens to name them."""
    from qabot.search.author import author_terms
    from qabot.search.lexical import LexicalTable

    service = fake_service(tmp_path, {"diary.txt": FIRST_PERSON})
    library = service.library()
    index = service.store.load()
    assert author_terms(index.passages) == {"ann", "writer"}
    table = LexicalTable.build(index)
    assert table.evidence(["ann", "met", "writer", "tampico"]) == ["met", "tampico"]
    top = library.ask("Who met Ann Writer at Tampico?", 3).hits[0].passage
    assert top.text.startswith("Frida met me at Tampico"), top.text
    # "What did Ann Writer do on May 5?" asks what "What did she do …?" does: the entry.
    for question in ("What did she do on May 5, 1930?", "What did Ann Writer do on May 5, 1930?"):
        answer = library.ask(question, 2)
        assert answer.order == "entry" and not answer.abstained, question
        assert answer.hits[0].passage.text.startswith("Frida met me at Tampico"), question


def test_the_author_is_read_from_a_metadata_card():
    from qabot.search.author import author_terms
    from qabot.types import Passage

    def about(text: str) -> Passage:
        return Passage(1, text, text, "b.epub", "B", "About this text", None, (), 0, 1, 5, "about")

    assert author_terms([about("---\ntitle: The Diary\nauthor: Samuel Pepys\n---")]) == {
        "samuel",
        "pepi",
    }
    assert author_terms([about("Leon Trotsky\n\nPages From Trotsky’s Journal")]) >= {"leon"}
    assert author_terms([about("title: A Book\nrights: Public domain")]) == frozenset()


def test_a_question_about_the_book_is_answered_by_its_card(tmp_path: Path):
    """A question about the book ("Who wrote it?", "When was it written?"): the card says, so it
    comes first, with the line that answers as its highlight, and does not abstain; a
    question about something in the text, or one the card cannot answer, is ranked."""
    from qabot.search.author import asks_about_the_book, card_line

    naming = frozenset({"sea", "diary", "ann", "writer"})
    for question in ("Who wrote this book?", "Who is the author?", "Who wrote A Sea Diary?"):
        assert asks_about_the_book(question, naming), question
    for question in ("Who wrote the letter to Frida?", "What did the author eat at Baku?"):
        assert not asks_about_the_book(question, naming), question
    card = "title: A Book\n\nauthor: Ann Writer\n\nedition date: 2021-03-16"
    assert card_line("Who wrote it?", card) == "author: Ann Writer"
    assert card_line("When was it written?", card) is None  # an ebook's date is not that
    assert card_line("Who translated it?", card) is None

    library = fake_service(tmp_path, {"diary.txt": FIRST_PERSON}).library()
    for question, line in (
        ("Who wrote this diary?", "Ann Writer"),
        ("When was the diary written?", "Written: 1930"),
    ):
        answer = library.ask(question, 2)
        top = answer.hits[0]
        assert top.passage.role == "about" and top.highlight == line, question
        assert not answer.abstained
    assert library.ask("Who translated the diary?", 2).hits[0].passage.role == "text"


def test_what_the_book_is_about_is_answered_by_its_cards_description(tmp_path: Path):
    """ "What is the book about?": the card's description says (an EPUB's
    dc:description, a front-matter key), so it comes first with that line as its
    highlight; a book whose card has none gets its editors' note, or else the card with
    its title; what a thing in the text is about ("What is the parcel about?") is
    ranked."""
    from qabot.search.author import asks_about_the_book, card_line

    naming = frozenset({"sea", "diary", "ann", "writer"})
    for question in ("What is the book about?", "What's it about?", "Summarize the diary.",
                     "What is A Sea Diary about?", "Give me a summary of the book"):  # fmt: skip
        assert asks_about_the_book(question, naming), question
    for question in ("What is the parcel about?", "Describe the oil derricks"):
        assert not asks_about_the_book(question, naming), question
    card = "title: A Book\n\nauthor: Ann Writer\n\ndescription: A voyage to Mexico."
    assert card_line("What is the book about?", card) == "description: A voyage to Mexico."
    assert card_line("Who wrote it?", card) == "author: Ann Writer"

    described = FIRST_PERSON.replace("Written: 1930", "Written: 1930\n\nDescription: A voyage.")
    library = fake_service(tmp_path / "d", {"diary.txt": described}).library()
    answer = library.ask("What is the book about?", 2)
    assert answer.hits[0].passage.role == "about"
    assert answer.hits[0].highlight == "Description: A voyage."
    assert not answer.abstained
    # Neither a description nor editors: the card, its title line the highlight (it had
    # abstained, ranking the text's passages against "book").
    titled = FIRST_PERSON.replace("A Sea Diary", "Title: A Sea Diary")
    plain = fake_service(tmp_path / "p", {"diary.txt": titled}).library()
    answer = plain.ask("What is the book about?", 2)
    assert answer.hits[0].passage.role == "about" and not answer.abstained
    assert answer.hits[0].highlight == "Title: A Sea Diary"
    assert plain.ask("What is the parcel about?", 2).hits[0].passage.role == "text"
    # Without a description, the editors' note says what the book is about: its opening.
    noted = FIRST_PERSON.replace(
        "Written: 1930", "Written: 1930\n\nNOTE: These pages tell of a voyage to Mexico."
    )
    library = fake_service(tmp_path / "n", {"diary.txt": noted}).library()
    answer = library.ask("What's it about?", 2)
    assert answer.hits[0].passage.text == "NOTE: These pages tell of a voyage to Mexico."
    assert not answer.abstained


YEARS_OF_DIARY = """January 1, 1660.

Up early and to the office, where the clerks counted the stores of hemp.

January 2, 1660.

Old East brought me a dozen bottles of sack, and I gave him a shilling.

July 4, 1660.

To the office all the morning, and dined with the clerks at noon.

January 2, 1661.

A hard frost, and I walked upon the ice to the office with my wife.

January 2, 1662.

All day at the office upon the accounts of the stores.
"""


def test_a_day_named_without_a_year_is_looked_up_in_every_year(tmp_path: Path):
    """ "On January 2" in a diary of several years means each year's January 2, not the
    one the year rule picks (here 1661, nearest the middle of the entries)."""
    library = fake_service(tmp_path, {"diary.txt": YEARS_OF_DIARY}).library()
    answer = library.ask("What did Old East bring on the second of January?", 3)
    assert {h.passage.date for h in answer.hits} == {"1660-01-02", "1661-01-02", "1662-01-02"}
    assert answer.hits[0].passage.text.startswith("Old East brought me"), answer.hits[0]
    assert answer.notes == ()
    named = library.ask("What did Old East bring on January 2, 1661?", 1)
    assert named.hits[0].passage.date == "1661-01-02"


def test_the_entry_of_a_day_without_a_year_names_the_other_years(tmp_path: Path):
    library = fake_service(tmp_path, {"diary.txt": YEARS_OF_DIARY}).library()
    view = library.entry("January 2")
    assert view.exact and view.dates == ("1660-01-02",)
    assert view.passages[0].passage.text.startswith("Old East brought me")
    assert view.note == (
        "Showing January 2, 1660; the text also has January 2 in 1661, 1662 "
        "(name the year to see one)."
    )
    assert library.entry("January 2, 1661").note is None


def test_approximate_search_finds_the_candidates_exact_search_finds(service: IndexMaintainer):
    """Past the exact size the passage search runs on a helper thread: over the same
    vectors as HNSW it finds the same candidates and the same scores as the flat index
    searched on the question's thread, filtered or not."""
    import numpy as np

    from qabot.search.dense import DenseTable

    index = service.store.load()
    hnsw = searched_approximately(index)
    exact, approximate = DenseTable.build(index), DenseTable.build(hnsw)
    assert exact.passages.exact and not approximate.passages.exact
    query = index.units.vectors.matrix[3].astype(np.float32)  # a stored sentence
    everything = np.ones(len(index), dtype=bool)
    for allowed in (everything, np.array([False, True, True, True])):
        found = approximate.nearest(query, allowed).positions()
        assert np.array_equal(found, exact.nearest(query, allowed).positions())
        assert set(found) == set(np.flatnonzero(allowed))  # four passages: all are near
    ours, theirs = approximate.score(query, found), exact.score(query, found)
    assert np.allclose(ours.sentence, theirs.sentence) and ours.sentence.max() > 0.99
    assert ours.sentence_level == theirs.sentence_level


def test_past_the_size_sentences_are_scored_not_searched(
    service: IndexMaintainer, monkeypatch: pytest.MonkeyPatch
):
    """Past ``SENTENCES_SEARCHED_UP_TO`` sentence vectors the candidates come from the
    passage search (and BM25) only, and each candidate's closest sentence is still
    scored; the corpus's level is the same either way, and the same as the sample's
    cosines taken from the stored vectors one by one."""
    import numpy as np

    from qabot.search import dense
    from qabot.search.dense import DenseTable, Level

    index = service.store.load()
    query = index.units.vectors.matrix[3].astype(np.float32)  # a stored sentence
    everything = np.ones(len(index), dtype=bool)
    searched = DenseTable.build(index)
    assert searched.searches_sentences
    assert searched.nearest(query, everything).sentences is not None
    monkeypatch.setattr(dense, "SENTENCES_SEARCHED_UP_TO", len(index.units) - 1)
    scored = DenseTable.build(index)
    assert not scored.searches_sentences
    search = scored.nearest(query, everything)
    assert search.sentences is None and set(search.positions()) == {0, 1, 2, 3}
    ours, theirs = scored.score(query, search.positions()), searched.score(query, [0, 1, 2, 3])
    assert np.allclose(ours.sentence, theirs.sentence) and ours.sentence.max() > 0.99
    assert ours.sentence[1] > ours.passage[1]  # the sentence, not its passage, is closest
    sample = searched.null_positions
    passage_cosines = index.passage_vectors.cosines(query, sample)
    assert ours.passage_level.mean == pytest.approx(Level.of(passage_cosines).mean, abs=1e-6)
    assert ours.passage_level.spread == pytest.approx(Level.of(passage_cosines).spread, abs=1e-6)
    assert ours.sentence_level == theirs.sentence_level


def test_a_damaged_file_found_by_a_helper_thread_is_the_questions_one_line_error(
    service: IndexMaintainer, tmp_path: Path
):
    """FAISS reads an index file on its first search, which past the exact size runs on a
    helper thread: a damaged file still reaches the question as IndexCorruptError naming
    the file and the fix, not as a thread's traceback."""
    import numpy as np

    from qabot.errors import IndexCorruptError
    from qabot.index.vectors import VectorIndex
    from qabot.search.dense import DenseTable

    index = searched_approximately(service.store.load())
    damaged = tmp_path / "passages.faiss"
    index.passage_vectors.write(damaged)
    damaged.write_bytes(damaged.read_bytes()[:200])
    opened = VectorIndex.open(damaged, index.dimension, len(index), "run `qabot index`")
    # the passage index is HNSW, so its search (the first to read this file) is sent to
    # a helper thread
    table = replace(DenseTable.build(index), passages=opened)
    query = index.units.vectors.matrix[0].astype(np.float32)
    with pytest.raises(IndexCorruptError, match=r"passages\.faiss is damaged .*run `qabot index`"):
        table.nearest(query, np.ones(len(index), dtype=bool)).positions()


def test_the_question_without_its_names_is_embedded_only_when_the_rule_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The aspect costs a second embedding: asked for by a rule that reads it (and by
    `qabot eval`, which measures every signal), not by one that does not, nor when
    `qabot eval` compares fusions."""
    days = "\n\n".join(f"May {day}\n\nFrida sailed at Tampico." for day in range(1, 4))
    library = fake_service(tmp_path, {"days.txt": days}).library()
    asked: list[Sequence[str]] = []  # what is given to embed on the helper thread
    helper = library._tables.dense.helper
    submit = helper.submit

    def recorded(function: Any, *args: Any, **kwargs: Any) -> Any:
        if function == library._embedder.embed:
            asked.append(args[0])
        return submit(function, *args, **kwargs)

    monkeypatch.setattr(helper, "submit", recorded)
    question = library.query("Where did Frida go on her honeymoon?", 2)
    reading = AbstentionModel({"aspect": 5.0}, -2.0, 0.5)
    not_reading = AbstentionModel({"unknown_name": -3.0}, 1.0, 0.5)
    for rule, measure_all, expected in (
        (reading, False, True),
        (not_reading, False, False),
        (not_reading, True, True),
    ):
        asked.clear()
        explained = library.explain(
            question, config=replace(library.config, abstention=rule), measure_all=measure_all
        )
        assert asked == ([["Where did go on her honeymoon?"]] if expected else [])
        assert explained.evidence.apart_from == (("Frida",) if expected else ())
    asked.clear()
    library.rankings(question, [library.config.ranking])
    assert asked == []
