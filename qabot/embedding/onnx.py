"""The light query path: the embedding model as ONNX, run by onnxruntime, no torch.

Building an index needs sentence-transformers (torch); answering a question needs one
short embedding. So when the index is built, the model is also exported once to
``embeddings/models/<name>-<hash of its identity>/``: ``model.onnx`` (the transformer's
graph, from the token vectors on), ``model.data`` (its weights, kept apart so that
onnxruntime maps them from the file instead of copying them: loading the model peaks
about 85 MB lower), ``words.f32`` (the token embedding table, 47 MB for MiniLM, of which
a question needs a few rows: they are read from the file, ``qabot.index.files``, rather
than mapped by onnxruntime, which brought 18 MB of the table into every question's
process), ``tokenizer.json`` and ``export.json`` (identity, pooling, normalization,
maximum length). ``OnnxEmbedder`` reproduces sentence-transformers' tokenization (truncation at
the model's ``max_seq_length``, special tokens included), mean or CLS pooling and L2
normalization: the two paths agree to a cosine of 0.9999 or more (tested).

Only models made of a transformer, a pooling layer and optionally a normalization are
exported; any other model keeps answering through sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.errors import ModelError
from qabot.index.files import OpenFile

if TYPE_CHECKING:
    import numpy as np

MODELS_DIR = "models"
EXPORT_FILE = "export.json"
ONNX_FILE = "model.onnx"
DATA_FILE = "model.data"  # the weights (external initializers)
WORDS_FILE = "words.f32"  # the token embedding table: float32 rows, little-endian
TOKENIZER_FILE = "tokenizer.json"
EXPORT_VERSION = 5  # 2: saved optimized; 3: checksums, a probe; 4: weights apart; 5: words

PROBE = "Who met Trotsky when the tanker reached Tampico?"  # embedded at export, re-checked
_INPUTS = ("inputs_embeds", "attention_mask", "token_type_ids")
BATCH = 32  # texts per onnxruntime call


def export_dir(embeddings_dir: Path, identity: str) -> Path:
    """Where the export of the model ``identity`` lives (one folder per model)."""
    digest = hashlib.blake2b(identity.encode(), digest_size=6).hexdigest()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", identity.rsplit("/", 1)[-1])[:40].strip("-.")
    return embeddings_dir / MODELS_DIR / f"{name or 'model'}-{digest}"


@dataclass(frozen=True)
class ExportInfo:
    """What ``export.json`` records: enough to embed exactly as sentence-transformers."""

    identity: str
    dimension: int
    max_tokens: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    onnx_bytes: int
    data_bytes: int = 0  # DATA_FILE's size
    words: int = 0  # rows of WORDS_FILE (the tokenizer's vocabulary)
    hidden: int = 0  # its columns (the transformer's width)
    version: int = EXPORT_VERSION
    checksums: dict[str, str] = field(default_factory=dict)  # file → SHA-256
    probe: list[float] = field(default_factory=list)  # the PROBE's vector, as exported


def export_model(model: Any, identity: str, embeddings_dir: Path) -> Path | None:
    """Export a loaded SentenceTransformer; None when its layout is not supported.

    Written to a staging folder and renamed into place, so a crash leaves no half export.
    """
    import torch
    from sentence_transformers.sentence_transformer.modules import (
        Normalize,
        Pooling,
        Transformer,
    )

    modules = list(model)
    if not modules or not isinstance(modules[0], Transformer) or len(modules) > 3:
        return None
    pooling = modules[1] if len(modules) > 1 else None
    if not isinstance(pooling, Pooling):
        return None
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None:  # pragma: no cover - older releases
        mode = pooling.get_pooling_mode_str()
    if mode not in ("mean", "cls"):
        return None
    normalize = len(modules) == 3
    if normalize and not isinstance(modules[2], Normalize):
        return None
    tokenizer = getattr(modules[0].tokenizer, "backend_tokenizer", None)
    if tokenizer is None:
        return None
    transformer = modules[0].auto_model.eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, inputs_embeds: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.inner(
                inputs_embeds=inputs_embeds,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            )
            return output.last_hidden_state

    target = export_dir(embeddings_dir, identity)
    staging = target.parent / f".staging-{target.name}-{secrets.token_hex(3)}"
    staging.mkdir(parents=True)
    try:
        words = transformer.get_input_embeddings().weight.detach().to(torch.float32).numpy()
        words.astype("<f4").tofile(staging / WORDS_FILE)
        sample = torch.ones((2, 8), dtype=torch.long)
        sample_vectors = torch.zeros((2, 8, words.shape[1]), dtype=torch.float32)
        axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes about the attention mask
            torch.onnx.export(
                _LastHiddenState(),
                (sample_vectors, sample, torch.zeros_like(sample)),
                str(staging / "raw.onnx"),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        _optimize(staging / "raw.onnx", staging / ONNX_FILE)
        (staging / "raw.onnx").unlink()
        (staging / TOKENIZER_FILE).write_text(tokenizer.to_str(), encoding="utf-8")
        info = ExportInfo(
            identity=identity,
            dimension=int(
                (
                    getattr(model, "get_embedding_dimension", None)
                    or model.get_sentence_embedding_dimension
                )()
            ),
            max_tokens=int(model.max_seq_length),
            pooling=mode,
            normalize=normalize,
            onnx_bytes=(staging / ONNX_FILE).stat().st_size,
            data_bytes=(staging / DATA_FILE).stat().st_size,
            words=int(words.shape[0]),
            hidden=int(words.shape[1]),
            checksums={
                name: _sha256(staging / name)
                for name in (ONNX_FILE, DATA_FILE, WORDS_FILE, TOKENIZER_FILE)
            },
        )
        (staging / EXPORT_FILE).write_text(json.dumps(asdict(info), indent=2) + "\n")
        probe = OnnxEmbedder(staging, check=False).embed([PROBE])[0]
        if _cosine(probe, model.encode([PROBE])[0]) < 0.9999:
            # the model does not run the same from token vectors: keep it unexported
            shutil.rmtree(staging, ignore_errors=True)
            return None
        info = ExportInfo(**{**asdict(info), "probe": [round(float(v), 6) for v in probe]})
        (staging / EXPORT_FILE).write_text(json.dumps(asdict(info), indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _cosine(a: Any, b: Any) -> float:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_export(directory: Path) -> str | None:
    """What is wrong with the export in ``directory`` (every file's checksum against its
    ``export.json``), or None when it is whole. Reads every byte: `qabot index` does it."""
    try:
        info = ExportInfo(**json.loads((directory / EXPORT_FILE).read_text("utf-8")))
    except FileNotFoundError:
        return f"{directory / EXPORT_FILE} is missing"
    except (OSError, ValueError, TypeError) as error:
        return f"{directory / EXPORT_FILE} is damaged ({error})"
    if info.version != EXPORT_VERSION:
        return f"the export in {directory} is of version {info.version}, not {EXPORT_VERSION}"
    for name, expected in info.checksums.items():
        path = directory / name
        if not path.is_file():
            return f"{path} is missing"
        if _sha256(path) != expected:
            return f"{path} is damaged (checksum mismatch)"
    return None


def _optimize(source: Path, target: Path) -> None:
    """Save the graph with onnxruntime's portable optimizations applied (fused attention,
    layer norm …), so that loading it later skips them: about 0.1 s of every cold start;
    its weights go to ``DATA_FILE`` beside it, which onnxruntime maps rather than reads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", DATA_FILE
    )
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """Embeds with the exported model: onnxruntime and the fast tokenizer, no torch."""

    batch_size = BATCH

    def __init__(self, directory: Path, *, threads: int | None = None, check: bool = True) -> None:
        """Load the export; with ``check``, its size and its probe are verified: a damaged
        file is a ModelError here, never a wrong vector later."""
        import numpy as np
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            info = ExportInfo(**json.loads((directory / EXPORT_FILE).read_text("utf-8")))
            if info.version != EXPORT_VERSION:
                raise ValueError(f"export version {info.version}, expected {EXPORT_VERSION}")
            onnx_path = directory / ONNX_FILE
            if onnx_path.stat().st_size != info.onnx_bytes:
                raise ValueError(f"{onnx_path} has the wrong size (damaged?)")
            data_path = directory / DATA_FILE
            if data_path.stat().st_size != info.data_bytes:
                raise ValueError(f"{data_path} has the wrong size (damaged?)")
            self._words = OpenFile(directory / WORDS_FILE)
            if self._words.size != info.words * info.hidden * 4:
                raise ValueError(f"{self._words.path} has the wrong size (damaged?)")
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3  # errors only
            # optimized when exported (see _optimize): nothing left to do at load
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
            # Idle threads sleep instead of spinning: numpy's matrix products run right
            # after each question's embedding and would otherwise fight them for the cores.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as error:
            raise ModelError(f"cannot load the ONNX export in {directory}: {error}") from error
        except Exception as error:  # onnxruntime's own exception types
            raise ModelError(f"cannot load the ONNX export in {directory}: {error}") from error
        self._counter: Any = None  # made on first use (see count_tokens)
        self._counter_lock = threading.Lock()
        self._tokenizer.enable_truncation(max_length=info.max_tokens)
        self._tokenizer.no_padding()
        self._needs_type_ids = "token_type_ids" in {i.name for i in self._session.get_inputs()}
        self._np = np
        self.info = info
        self.identity = info.identity
        self.dimension = info.dimension
        self.max_tokens = info.max_tokens
        self.directory = directory
        if check and info.probe:
            probe = self.embed([PROBE])[0]
            agreement = float(np.dot(probe, np.asarray(info.probe, dtype=np.float32)))
            if not np.isfinite(agreement) or agreement < 0.999:
                raise ModelError(
                    f"the ONNX export in {directory} is damaged (it no longer embeds as "
                    "when it was made)"
                )

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` before truncation, special tokens included. Counted by a
        second, untruncated tokenizer, made on first use: only building an index counts,
        and a question's process is 9 MB lighter without it."""
        if self._counter is None:
            with self._counter_lock:
                if self._counter is None:
                    from tokenizers import Tokenizer

                    counter = Tokenizer.from_str(self._tokenizer.to_str())
                    counter.no_truncation()
                    counter.no_padding()
                    self._counter = counter
        return len(self._counter.encode(text).ids)

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """See ``BuildEmbedder.embed_passages``: one run per text (batched), its token
        vectors pooled over the whole text and over each span."""
        from qabot.embedding.pooling import pool

        np = self._np
        encodings = self._tokenizer.encode_batch(list(texts)) if texts else []
        if not encodings:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        offsets = np.zeros((len(encodings), length, 2), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            count = len(encoding.ids)
            ids[row, :count] = encoding.ids
            mask[row, :count] = 1
            offsets[row, :count] = encoding.offsets
        (hidden,) = self._session.run(["last_hidden_state"], self._feeds(ids, mask))
        return pool(hidden, mask.astype(np.float32), offsets, spans)

    def embed(self, texts: Sequence[str], *, progress: Any = None) -> np.ndarray:
        """L2-normalized float32 vectors (as sentence-transformers makes them).

        Texts are embedded in batches of similar length (little padding), in any number.
        """
        np = self._np
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts)) if texts else []
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            vectors[rows] = self._run([encodings[i] for i in rows])
            if progress:
                progress(len(rows))
        return vectors

    def _feeds(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The model's inputs for token ``ids`` (batch × tokens) and their ``mask``: each
        token's row of the embedding table, read from the words file."""
        np = self._np
        distinct, where = np.unique(ids, return_inverse=True)
        width = self.info.hidden
        rows = np.empty((len(distinct), width), dtype=np.float32)
        for n, token in enumerate(distinct.tolist()):
            if not 0 <= token < self.info.words:
                raise ModelError(f"token {token} is not in {self._words.path}")
            data = self._words.read(token * width * 4, width * 4)
            rows[n] = np.frombuffer(data, dtype="<f4")
        feeds = {"inputs_embeds": rows[where.reshape(ids.shape)], "attention_mask": mask}
        if self._needs_type_ids:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return feeds

    def _run(self, encodings: Sequence[Any]) -> np.ndarray:
        np = self._np
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), length), dtype=np.int64)
        mask = np.zeros((len(encodings), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (hidden,) = self._session.run(["last_hidden_state"], self._feeds(ids, mask))
        if self.info.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self.info.normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors.astype(np.float32, copy=False)
