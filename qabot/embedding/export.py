"""The model's light export, kept beside the index: where it is, whether it is whole,
making it (in a process of its own) and loading it.

One export per model identity, in ``embeddings/models/<name>-<hash>/``. Its
``export.json`` holds a checksum of every file and the vector of a probe sentence: a
question never runs on a damaged export — a file of the wrong size or that no longer
embeds the probe as it did is found when it is loaded, and any other damage by `qabot
index`, which reads every byte and makes the export again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qabot.embedding.models import ModelSource
from qabot.embedding.onnx import EXPORT_FILE, OnnxEmbedder, check_export, export_dir
from qabot.errors import ModelError


@dataclass(frozen=True)
class ModelExport:
    """The export of one model in one embeddings folder."""

    source: ModelSource
    embeddings_dir: Path

    @property
    def directory(self) -> Path:
        return export_dir(self.embeddings_dir, self.source.identity)

    def present(self) -> bool:
        return (self.directory / EXPORT_FILE).is_file()

    def problem(self) -> str | None:
        """What is wrong with the export (every byte read), None when it is whole."""
        return check_export(self.directory) if self.present() else "there is no export yet"

    def make(self) -> Path | None:
        """Export the model (a process of its own loads torch); None when the model's
        layout cannot be exported. ModelError when the export fails."""
        return export_in_a_process(self.source, self.embeddings_dir)

    def load(self) -> OnnxEmbedder:
        """The export, ready to embed (ModelError when it is missing or damaged)."""
        return OnnxEmbedder(self.directory)


def export_in_a_process(source: ModelSource, embeddings_dir: Path) -> Path | None:
    """Export the model in a process of its own: torch is loaded there, never in the
    process that builds the index (its memory is given back when it ends). ModelError
    with the exporter's last line when it fails."""
    import subprocess
    import sys

    local = "1" if source.local else "0"
    arguments = [source.location, source.identity, str(embeddings_dir), local]
    done = subprocess.run(
        [sys.executable, "-m", "qabot.embedding.export", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ, **({"HF_HUB_OFFLINE": "1"} if source.local else {})},
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ModelError(f"exporting the model failed: {last}")
    target = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return Path(target) if target else None


def _export_main() -> None:
    """`python -m qabot.embedding.export LOCATION IDENTITY EMBEDDINGS_DIR LOCAL`: export the
    model, print where (nothing when its layout cannot be exported)."""
    import sys

    from qabot.embedding.onnx import export_model
    from qabot.embedding.transformer import load_sentence_transformer

    location, identity, embeddings_dir, local = sys.argv[1:5]
    model = load_sentence_transformer(location, local=local == "1")
    target = export_model(model, identity, Path(embeddings_dir))
    print(target or "")


if __name__ == "__main__":
    _export_main()
