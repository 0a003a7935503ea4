"""How qabot reads whole books: parts, entries and dates, per book (no model needed).

For each file given (EPUB, HTML/XHTML, text), or each folder (its files as one corpus):

- passages by part (text, about, notes, editorial);
- passages inside dated entries and outside them, and how many carry a date;
- distinct entry dates, entries in the timeline and the share of the timeline in order;
- when the edition gives machine-readable dates (``<time datetime>``) that are a fixed
  number of days after the written ones (a calendar conversion, as in Pepys: Julian →
  Gregorian, 10 days), the share of dated passages whose written date is that many days
  before their machine date: an independent check of every date read from the text.

Usage: ``.venv/bin/python benchmarks/books.py ../shared/samples/*.epub [FOLDER …]``
(about 40 s for the whole Pepys diary on 2 cores: most of it counting tokens).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qabot.chunking import ChunkingConfig, chunk_document  # noqa: E402
from qabot.corpus import discover, read_bytes  # noqa: E402
from qabot.dates import day_of  # noqa: E402
from qabot.embedding.transformer import SentenceTransformerEmbedder  # noqa: E402
from qabot.readers import read_source  # noqa: E402
from qabot.types import Passage  # noqa: E402


def passages_of(target: Path, count) -> list[Passage]:
    files = discover(target) if target.is_dir() else None
    found: list[Passage] = []
    if files is None:
        source = read_source(target, target.read_bytes())
        return list(chunk_document(source, target.name, count, ChunkingConfig()).passages)
    for file in files:
        source = read_source(file.path, read_bytes(file))
        found += chunk_document(source, file.source, count, ChunkingConfig()).passages
    return found


def report(name: str, passages: list[Passage], seconds: float) -> list[str]:
    roles = collections.Counter(p.role for p in passages)
    text = [p for p in passages if p.role == "text"]
    outside = [p for p in passages if p.role != "text"]
    dated = [p for p in text if p.date]
    timelines: dict[str, list[str]] = {}  # each document's entries, in its own order
    for passage in sorted(text, key=lambda p: (p.source, p.start)):
        entries = timelines.setdefault(passage.source, [])
        if passage.date and (not entries or entries[-1] != passage.date):
            entries.append(passage.date)
    entries = [day for days in timelines.values() for day in days]
    steps = [
        day_of(b) > day_of(a) for days in timelines.values() for a, b in itertools.pairwise(days)
    ]
    lines = [
        f"## {name}  ({len(passages)} passages, read and chunked in {seconds:.1f} s)",
        "parts: "
        + ", ".join(f"{role} {roles[role]}" for role in ("text", "about", "notes", "editorial")),
        f"text passages dated: {len(dated)} of {len(text)}; other parts dated: "
        f"{sum(1 for p in outside if p.date)} of {len(outside)}",
        f"distinct entry dates: {len({p.date for p in dated})}; timeline entries: "
        f"{len(entries)}, in order (within each document): {sum(steps) / max(1, len(steps)):.1%}",
    ]
    machine = [p for p in dated if p.date_machine and not p.date_machine.startswith("--")]
    if machine:
        offsets = collections.Counter(
            (dt.date.fromisoformat(p.date_machine or "") - day_of(p.date or "")).days
            for p in machine
        )
        shift, agree = offsets.most_common(1)[0]
        lines.append(
            f"machine dates: {len(machine)} passages; the written date is {shift} days before "
            f"the machine date for {agree} ({agree / len(machine):.2%}); other offsets: "
            f"{dict(sorted((k, v) for k, v in offsets.items() if k != shift))}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", type=Path)
    args = parser.parse_args()
    count = SentenceTransformerEmbedder("all-MiniLM-L6-v2").count_tokens
    for target in args.targets:
        started = time.perf_counter()
        passages = passages_of(target, count)
        print("\n".join(report(target.name, passages, time.perf_counter() - started)), "\n")


if __name__ == "__main__":
    main()
