"""Which parts of a book answer first: the author's text, unless the question asks for
another part.

A book is mostly its author's text; its notes, its editorial matter (introduction,
foreword, an editor's preface, afterword) and its front matter ("About this text": who
wrote it, translated it, licensed it) answer questions about themselves. So they rank
below the text, unless the question asks about them:

- notes: the question speaks of a note or the editor ("What does the note on Pembleton
  say?", "Who was he, according to the editor?");
- editorial matter: it speaks of the introduction, the preface, the editor …;
- the front matter: it uses a word only the front matter has ("translated",
  "published", "copy"), other than the title's and the author's, or a word whose
  expansion is one.

The asker may also choose the parts (``Filters.part``: ``all`` ranks every part alike).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index
from qabot.search.author import author_terms
from qabot.text.terms import terms
from qabot.types import ROLES, Role

if TYPE_CHECKING:
    import numpy as np

# Words of a question that ask for notes or for editorial matter (stemmed when built).
_CUES: dict[Role, tuple[str, ...]] = {
    "notes": (
        *("note", "notes", "footnote", "footnotes", "endnote", "endnotes", "annotation"),
        *("annotations", "annotator", "editor", "editors", "editorial", "commentary", "gloss"),
    ),
    "editorial": (
        *("introduction", "preface", "foreword", "afterword", "editor", "editors"),
        *("editorial", "edition", "editions", "prefatory", "introductory"),
    ),
}


@dataclass(frozen=True)
class PartTable:
    role: Sequence[Role]  # per passage
    masks: dict[Role, np.ndarray]  # per part: bool per passage
    cues: dict[Role, frozenset[str]]  # per demoted part: the terms that ask for it

    @classmethod
    def build(cls, index: Index) -> PartTable:
        import numpy as np

        passages = index.passages
        roles = [p.role for p in passages]
        masks: dict[Role, np.ndarray] = {
            role: np.fromiter((r == role for r in roles), dtype=bool, count=len(roles))
            for role in ROLES
        }
        front = [p for p in passages if p.role == "about"]
        title_terms = {t for title in {p.title for p in passages} for t in terms(title)}
        own = frozenset(t for p in front for t in terms(p.embed_text))
        labels = {p.part_label for p in passages if p.part_label}
        cues: dict[Role, frozenset[str]] = {
            "about": own - title_terms - author_terms(front),
            "notes": frozenset(t for word in _CUES["notes"] for t in terms(word)),
            "editorial": frozenset(
                t for word in (*_CUES["editorial"], *labels) for t in terms(word)
            ),
        }
        return cls(roles, masks, cues)

    def demoted(self, asked: Collection[str], everything: bool = False) -> np.ndarray:
        """Per passage: ranks below the author's text for a question with these terms
        (nothing is, when the asker chose every part alike)."""
        import numpy as np

        demoted = np.zeros(len(self.role), dtype=bool)
        if everything:
            return demoted
        asked_terms = set(asked)
        for role, cue in self.cues.items():
            if not asked_terms & cue:
                demoted |= self.masks[role]
        return demoted

    def only(self, role: Role) -> np.ndarray:
        """Per passage: whether it is of this part."""
        return self.masks[role]
