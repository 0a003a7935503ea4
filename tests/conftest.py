from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
JOURNAL = REPO / "corpus" / "trotsky-journal-1936-1937.txt"


def _isolate(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """No QABOT_* variable, .env or config file from the developer's machine leaks in."""
    for name in list(os.environ):
        if name.startswith("QABOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(directory)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def journal_text() -> str:
    return JOURNAL.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_tokenizer():
    """The bundled model's own tokenizer (no torch needed)."""
    from qabot.embedding.transformer import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    return embedder


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with the journal and an index built by the real bundled model."""
    from qabot.maintainer import IndexMaintainer
    from qabot.settings import load_settings

    root = tmp_path_factory.mktemp("project")
    (root / "corpus").mkdir()
    shutil.copy(JOURNAL, root / "corpus" / JOURNAL.name)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _isolate(monkeypatch, root)
        settings = load_settings(corpus_dir=root / "corpus", embeddings_dir=root / "embeddings")
        report = IndexMaintainer(settings).update()
    (root / "first-build.txt").write_text(report.summary())  # for test_light_path
    return root


@pytest.fixture(scope="session")
def real_service(built_project: Path):
    """A IndexMaintainer over the real index, loaded once for the session."""
    from qabot.maintainer import IndexMaintainer
    from qabot.settings import load_settings

    with pytest.MonkeyPatch.context() as monkeypatch:
        _isolate(monkeypatch, built_project)
        settings = load_settings(
            corpus_dir=built_project / "corpus", embeddings_dir=built_project / "embeddings"
        )
        service = IndexMaintainer(settings)
        service.library(build_if_needed=False)
    return service
