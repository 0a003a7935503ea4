"""The JSON records of every command: one home per record, one strict serializer.

Every record that shows a passage starts from ``passage_fields`` (id, text, source,
section, date and the file's machine-readable date beside it, citation, anchor, its part
of the book, its notes or, for a note, the passage it belongs to); each command adds
what it knows: a rank and scores
(``ask``), the passage's place and size (``passages``), its neighbours (``entry``,
``show``). ``dumps`` refuses NaN and infinities: a score that is not finite is a bug.
"""

from __future__ import annotations

import json
from typing import Any

from qabot.formatting.labels import citation_line, date_note
from qabot.types import Answer, DocumentTimeline, EntryView, Hit, Passage, Reading, Verdict, Window

Record = dict[str, Any]


def dumps(record: Record) -> str:
    """One line of strict JSON (ValueError on NaN or infinity)."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False)


def passage_fields(passage: Passage) -> Record:
    """The fields every record of a passage shares."""
    return {
        "id": passage.id,
        "text": passage.text,
        "source": passage.source,
        "section": passage.section,
        "date": passage.date,
        "date_machine": passage.date_machine,
        "date_note": date_note(passage),
        "citation": str(passage.citation),
        "anchor": passage.anchor,
        "role": passage.role,
        "notes": [{"label": label, "id": note} for label, note in passage.notes],
        "note_of": passage.note_of,
        "note_label": passage.note_label,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def hit_record(hit: Hit) -> Record:
    """One result of `qabot ask --json`."""
    return {
        **passage_fields(hit.passage),
        "citation": citation_line(hit),
        "rank": hit.rank,
        "score": _rounded(hit.score),
        "cosine": _rounded(hit.cosine),
        "match": hit.match,
        "highlight": hit.highlight,
        "tells_of": hit.tells_of,
        "prev_id": hit.prev_id,
        "next_id": hit.next_id,
    }


def answer_record(answer: Answer) -> Record:
    """The `qabot ask --json` object for one question."""
    return {
        "question": answer.question,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "order": answer.order,
        "top_match": answer.hits[0].match if answer.hits else None,
        "notes": list(answer.notes),
        "results": [hit_record(hit) for hit in answer.hits],
    }


def passage_record(passage: Passage) -> Record:
    """The `qabot passages --json` object for one passage."""
    return {
        **passage_fields(passage),
        "title": passage.title,
        "paragraphs": list(passage.paragraphs),
        "start": passage.start,
        "end": passage.end,
        "tokens": passage.tokens,
        "mentions": list(passage.mentions),
    }


def reading_record(reading: Reading) -> Record:
    """A passage of `qabot entry` / `qabot show`, with its neighbours' ids."""
    return {
        **passage_record(reading.passage),
        "prev_id": reading.prev_id,
        "next_id": reading.next_id,
    }


def entry_record(view: EntryView) -> Record:
    """`qabot entry --json`."""
    return {
        "date": view.asked,
        "exact": view.exact,
        "entries": list(view.dates),
        "note": view.note,
        "results": [reading_record(r) for r in view.passages],
    }


def window_record(window: Window) -> Record:
    """`qabot show --json`."""
    return {
        "id": window.asked,
        "note": window.note,
        "focus": window.focus,
        "results": [reading_record(r) for r in window.passages],
    }


def timeline_record(document: DocumentTimeline) -> Record:
    """`qabot timeline --json`: one object per document."""
    return {
        "source": document.source,
        "title": document.title,
        "entries": [
            {"date": e.date, "first_words": e.first_words, "passages": e.passages}
            for e in document.entries
        ],
        "sections": [{"name": n, "passages": c} for n, c in document.sections],
        "undated": document.undated,
    }


def verdict_record(verdict: Verdict) -> Record:
    """`qabot verify --json`."""
    found = verdict.passage
    return {
        "quote": verdict.quote,
        "verdict": verdict.verdict,
        "score": verdict.score,
        "citation": str(found.passage.citation) if found else None,
        "passage_id": found.passage.id if found else None,
        "match": verdict.match,
        "diff": [{"op": op, "text": text} for op, text in verdict.diff],
        "closest": [
            {"passage_id": p.id, "citation": str(p.citation), "text": p.text}
            for p in verdict.closest
        ],
        "prev_id": found.prev_id if found else None,
        "next_id": found.next_id if found else None,
    }
