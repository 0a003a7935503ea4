"""The FAISS index store: real FAISS, real files in a temp folder, a fake embedder."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from qabot.chunking import ChunkingConfig, chunk_document
from qabot.errors import IndexCorruptError, IndexMissingError
from qabot.index import IndexStore, build
from qabot.index import store as index_module
from tests.fakes import FakeEmbedder

TEXT = (
    "Voyage\n\nDecember 1, 1936.\n\nThe tanker Ruth sailed from Oslo toward Mexico.\n\n"
    "Ibsen was my literary love; I re-read his dramas.\n\nArrival\n\nDecember 9\n\n"
    "We landed at Tampico and friends met us at the harbor."
)


def make_index(embedder: FakeEmbedder, text: str = TEXT):
    document = chunk_document(text, "j.txt", embedder.count_tokens, ChunkingConfig(256, 0))
    vectors = embedder.embed([p.embed_text for p in document.passages])
    return build(
        document.passages,
        vectors,
        model=embedder.identity,
        corpus_hash="h1",
        files={"j.txt": "h1"},
        chunking=ChunkingConfig(256, 0),
        build_seconds=0.5,
    )


def test_round_trip_and_exact_search(tmp_path: Path):
    embedder = FakeEmbedder()
    store = IndexStore(tmp_path / "emb")
    location = store.save(make_index(embedder))
    loaded = store.load()
    assert loaded.location == location
    assert len(loaded) == 3
    manifest = json.loads((location / "manifest.json").read_text())
    assert manifest["model"] == "fake-embedder"
    assert manifest["dimension"] == 64 and manifest["passage_count"] == 3
    assert {"corpus_hash", "qabot_version", "built_at", "checksums"} <= set(manifest)
    (hits,) = loaded.search(embedder.embed(["friends met us at Tampico harbor"]), 3)
    assert "Tampico" in hits[0][0].text
    assert hits[0][1] > hits[1][1] >= hits[2][1]
    assert hits[0][0].date == "1936-12-09" and hits[0][0].section == "Arrival"


def test_stored_vectors_are_half_floats_and_texts_read_when_asked_for(tmp_path: Path):
    """Vectors are stored as 16-bit floats (qabot/index/vectors.py). Texts are kept in
    texts.txt, each once (an embedded text only where it differs from the text), and a
    loaded passage holds none: it reads them from the file when asked for."""
    from qabot.index.texts import StoredPassage

    embedder = FakeEmbedder()
    index = make_index(embedder, TEXT.replace("sailed", "sail-\ned"))
    location = IndexStore(tmp_path / "emb").save(index)
    loaded = IndexStore(tmp_path / "emb").load()
    stored = loaded.vectors()
    assert stored.dtype == np.float16
    assert stored.tolist() == index.vectors().astype(np.float16).tolist()
    assert (location / "passages.faiss").stat().st_size < 3 * 64 * 4  # not 32-bit floats
    built = [(p.text, p.embed_text) for p in index.passages]
    assert [(p.text, p.embed_text) for p in loaded.passages] == built
    assert any(text != embedded for text, embedded in built)
    assert all(isinstance(p, StoredPassage) for p in loaded.passages)
    held = [getattr(super(StoredPassage, p), "text", None) for p in loaded.passages]
    assert held == [None] * len(built)  # the slots stay empty
    header, *rows = [
        json.loads(line) for line in (location / "passages.jsonl").read_text().splitlines()
    ]
    assert "text_at" in header["columns"] and not {"text", "embed_text"} & set(header["columns"])
    assert len(rows) == len(built) and all(len(row) == len(header["columns"]) for row in rows)
    texts = {t for t, _ in built} | {e for t, e in built if e != t}
    size = sum(len(t.encode()) for t in texts)
    assert (location / "texts.txt").stat().st_size == size


def test_passages_written_with_their_texts_are_read(tmp_path: Path):
    """passages.jsonl of an index written before holds the texts themselves: read as they
    were (one string when the embedded text is the text)."""
    from qabot.index.passage_file import passage_from_record

    record = {
        "id": 7,
        "text": "We landed at Tampico.",
        "embed_text": "We landed at Tampico.",
        "source": "j.txt",
        "title": "J",
        "section": None,
        "date": None,
        "paragraphs": [1],
        "start": 0,
        "end": 21,
        "tokens": 5,
    }
    passage = passage_from_record(dict(record), {}, None)
    assert passage.text == record["text"] and passage.embed_text is passage.text


@pytest.mark.parametrize("exact_up_to", [10_000, 0])  # flat, then HNSW
def test_cosines_of_many_positions_are_exact(exact_up_to: int):
    """Many half-float rows are scored by FAISS, few by numpy: both give the cosine of
    the stored vectors, in the order asked (repeats included), and so does a search
    restricted to few positions."""
    from qabot.index.vectors import CONVERT_FEW, VectorIndex

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(3_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.build(vectors, exact_up_to=exact_up_to)
    query = vectors[17] + 0.05
    stored = index.matrix.astype(np.float32)
    for positions in (
        np.array([2_999, 4, 17, 4]),
        rng.permutation(3_000)[: CONVERT_FEW + 500],
        np.arange(3_000),
    ):
        got = index.cosines(query, positions)
        assert got.dtype == np.float32
        assert np.allclose(got, stored[positions] @ query, atol=1e-5)
    allowed = np.zeros(3_000, dtype=bool)
    allowed[rng.permutation(3_000)[:900]] = True
    scores, positions = index.search(query, 10, allowed)
    among = np.flatnonzero(allowed)
    best = among[np.argsort(-(stored[among] @ query), kind="stable")[:10]]
    assert positions.tolist() == best.tolist()
    assert np.allclose(scores, stored[best] @ query, atol=1e-5)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_indexes_of_32_bit_floats_written_before_are_read(tmp_path: Path, kind: str):
    """Generations written before vectors were stored as half floats still answer."""
    import faiss

    from qabot.index.vectors import VectorIndex

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    old = (
        faiss.IndexFlatIP(16)
        if kind == "flat"
        else faiss.IndexHNSWFlat(16, 8, faiss.METRIC_INNER_PRODUCT)
    )
    old.add(vectors)
    faiss.write_index(old, str(tmp_path / "old.faiss"))
    index = VectorIndex.open(tmp_path / "old.faiss", 16, 300, "rebuild")
    assert index.matrix.dtype == np.float32 and np.array_equal(index.matrix, vectors)
    scores, positions = index.search(vectors[42], 3)
    assert positions[0] == 42 and np.isclose(scores[0], 1.0, atol=1e-5)
    assert index.cosines(vectors[42], np.array([42, 7])).tolist() == pytest.approx(
        [1.0, float(vectors[7] @ vectors[42])], abs=1e-6
    )


def test_search_asks_for_more_than_there_is(tmp_path: Path):
    index = make_index(FakeEmbedder())
    (hits,) = index.search(FakeEmbedder().embed(["Ibsen"]), 50)
    assert len(hits) == 3


def test_ids_are_the_passage_ids(tmp_path: Path):
    embedder = FakeEmbedder()
    index = make_index(embedder)
    store = IndexStore(tmp_path)
    store.save(index)
    loaded = store.load()
    assert [p.id for p in loaded.passages] == [p.id for p in index.passages]
    # FAISS rows are the passages' positions; the vectors are stored once, in FAISS
    assert len(loaded.passage_vectors) == 3
    assert np.allclose(loaded.vectors(), index.vectors())
    assert not (tmp_path / "vectors.npy").exists()


def test_missing_index(tmp_path: Path):
    with pytest.raises(IndexMissingError, match="run `qabot index`"):
        IndexStore(tmp_path / "nothing").load()
    assert IndexStore(tmp_path / "nothing").read_manifest() is None


@pytest.mark.parametrize("victim", ["passages.faiss", "units.faiss", "passages.jsonl", "texts.txt"])
def test_damaged_file_is_a_clear_error(tmp_path: Path, victim: str):
    """Altered bytes: found by the checksums (`qabot index` verifies them)."""
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    with (location / victim).open("r+b") as handle:
        handle.seek(40)
        handle.write(b"\x00garbage\x00")
    with pytest.raises(IndexCorruptError, match=rf"{victim} is damaged .*qabot index --force"):
        store.load(verify=True)


@pytest.mark.parametrize("victim", ["passages.faiss", "passages.jsonl", "bm25.npz", "texts.txt"])
def test_truncated_file_is_found_on_every_load(tmp_path: Path, victim: str):
    """A size that differs from the manifest's is caught without reading the file."""
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    (location / victim).write_bytes((location / victim).read_bytes()[:50])
    with pytest.raises(IndexCorruptError, match=rf"{victim} is damaged \(50 bytes, \d+ expected\)"):
        store.load()


def test_truncated_faiss_file_without_checksums(tmp_path: Path):
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["checksums"] = {}
    (location / "manifest.json").write_text(json.dumps(manifest))
    (location / "passages.faiss").write_bytes((location / "passages.faiss").read_bytes()[:50])
    with pytest.raises(IndexCorruptError, match=r"passages.faiss is damaged"):
        store.load().search(np.ones((1, 64), dtype=np.float32), 1)  # FAISS read when needed


def test_damaged_manifest(tmp_path: Path):
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    (location / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match=r"manifest.json is damaged"):
        store.load()


def test_failed_save_leaves_the_previous_index(tmp_path: Path, monkeypatch):
    store = IndexStore(tmp_path)
    first = store.save(make_index(FakeEmbedder()))

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(index_module, "_fsync", explode)
    with pytest.raises(OSError, match="disk full"):
        store.save(make_index(FakeEmbedder(), TEXT + "\n\nOne more paragraph."))
    monkeypatch.undo()
    assert store.current_dir() == first
    assert len(store.load()) == 3
    assert not list(tmp_path.glob(".staging-*"))


def test_old_generations_are_pruned(tmp_path: Path):
    store = IndexStore(tmp_path)
    for _ in range(4):
        store.save(make_index(FakeEmbedder()))
    assert len(list(tmp_path.glob("gen-*"))) == 2
    assert store.load()


def test_stale_reasons_name_the_change():
    index = make_index(FakeEmbedder())
    manifest = index.manifest
    assert (
        manifest.stale_reasons(
            model="fake-embedder",
            corpus_hash="h1",
            files={"j.txt": "h1"},
            chunking=ChunkingConfig(256, 0),
        )
        == []
    )
    reasons = manifest.stale_reasons(
        model="other-model",
        corpus_hash="h2",
        files={"j.txt": "h2", "new.md": "x"},
        chunking=ChunkingConfig(128, 0),
    )
    assert reasons == [
        "built with model fake-embedder, configured model is other-model",
        "chunking settings changed",
        "corpus changed (added: new.md; edited: j.txt)",
    ]
    upgraded = ChunkingConfig(256, 0, version=ChunkingConfig().version + 1)
    assert manifest.stale_reasons(
        model="fake-embedder", corpus_hash="h1", files={"j.txt": "h1"}, chunking=upgraded
    ) == [f"this qabot reads texts anew: chunker {ChunkingConfig().version} → {upgraded.version}"]


@pytest.mark.parametrize("exact_up_to", [10_000, 0])  # flat, then HNSW
def test_searching_many_at_once_finds_what_one_by_one_finds(exact_up_to: int):
    """Query expansion searches every question word in one FAISS call."""
    from qabot.index.vectors import VectorIndex

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(2_000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.build(vectors, exact_up_to=exact_up_to)
    assert index.exact == (exact_up_to > 0)
    queries = vectors[[3, 50, 700]] + 0.01
    together = index.search_many(queries, 15)
    for query, (scores, positions) in zip(queries, together, strict=True):
        alone_scores, alone_positions = index.search(query, 15)
        assert positions.tolist() == alone_positions.tolist()
        assert np.allclose(scores, alone_scores, atol=1e-5)
    assert [p[0] for _, p in together] == [3, 50, 700]
    assert index.search_many(queries[:0], 5) == []


def test_questions_search_single_threaded_and_builds_use_every_core():
    """FAISS's threads would only compete with onnxruntime's for one question; a build
    made after a search in the same thread still has every core."""
    import os

    import faiss

    from qabot.index.vectors import VectorIndex

    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(500, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.build(vectors, exact_up_to=0)
    scores, positions = index.search(vectors[9], 5, ef_search=16)
    assert positions[0] == 9 and np.isclose(scores[0], 1.0, atol=1e-5)
    assert faiss.omp_get_max_threads() == 1
    VectorIndex.build(vectors, exact_up_to=0)
    assert faiss.omp_get_max_threads() == (os.cpu_count() or 1)


def test_a_damaged_text_is_a_clear_error_when_read(tmp_path: Path):
    """texts.txt altered in place (same size, so only `qabot index` would find it):
    reading the damaged text names the file and the fix, never a wrong quotation."""
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    loaded = store.load()
    with (location / "texts.txt").open("r+b") as handle:
        handle.seek(loaded.passages[0].text.index("tanker"))
        handle.write(b"\xff\xfe")
    with pytest.raises(IndexCorruptError, match=r"texts.txt is damaged .*qabot index --force"):
        _ = loaded.passages[0].text


def _rewrite(location: Path, name: str, text: str) -> None:
    """Rewrite one file of a generation, its size in the manifest too (as only a full
    `qabot index` check, by checksum, would find)."""
    (location / name).write_text(text)
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["sizes"][name] = (location / name).stat().st_size
    (location / "manifest.json").write_text(json.dumps(manifest))


def test_loaded_passages_are_the_built_ones_field_by_field(tmp_path: Path):
    """Passages are read a column at a time (``StoredPassage.many``): every field of every
    passage comes back as it was built, tuples as tuples, and a column the file does not
    have (an older writer's) gives each passage that field's default."""
    from qabot.index import Index
    from qabot.types import Passage

    built = make_index(FakeEmbedder())
    first, second, third = built.passages
    passages = [
        dataclasses.replace(
            first, mentions=("1936-12-01",), notes=(("1", third.id),), part_label="Foreword"
        ),
        second,
        dataclasses.replace(
            third, role="note", note_label="1", note_of=first.id, note_place="Voyage"
        ),
    ]
    index = Index(passages, built.passage_vectors, built.manifest, None, built.units)
    store = IndexStore(tmp_path)
    location = store.save(index)

    def fields(passage: Passage) -> list[tuple[str, object, type]]:
        return [
            (f.name, getattr(passage, f.name), type(getattr(passage, f.name)))
            for f in dataclasses.fields(Passage)
        ]

    assert [fields(p) for p in store.load().passages] == [fields(p) for p in passages]

    header, *rows = [
        json.loads(line) for line in (location / "passages.jsonl").read_text().splitlines()
    ]
    kept = [i for i, name in enumerate(header["columns"]) if name not in ("mentions", "notes")]
    older = [{"columns": [header["columns"][i] for i in kept]}]
    older += [[row[i] for i in kept] for row in rows]
    _rewrite(location, "passages.jsonl", "".join(json.dumps(v) + "\n" for v in older))
    loaded = IndexStore(tmp_path).load().passages
    assert [(p.mentions, p.notes) for p in loaded] == [((), ())] * 3
    assert [p.part_label for p in loaded] == ["Foreword", None, None]


def test_the_manifest_is_read_once_until_it_changes(tmp_path: Path):
    """A cold question reads the manifest to know the index is fresh, then loads the
    index: the second read is the first's (0.8 MB on the whole diary), unless the file
    changed meanwhile."""
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    first = store.read_manifest()
    assert first is not None and store.read_manifest() is first
    assert store.load().manifest is first
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["build_seconds"] = 123.25
    (location / "manifest.json").write_text(json.dumps(manifest))
    again = store.read_manifest()
    assert again is not first and again is not None and again.build_seconds == 123.25


def test_a_sentence_of_no_passage_is_damage(tmp_path: Path):
    """units.json names each sentence's passage: one naming a passage the index does not
    have is a damaged file, named with the fix, not a sentence quoted from elsewhere."""
    from tests.fakes import fake_service

    text = TEXT.replace("Mexico.", "Mexico. The crew was kind to us. We read all day.")
    fake_service(tmp_path, {"j.txt": text}).library()  # built as `qabot index` builds
    store = IndexStore(tmp_path / "emb")
    location = store.current_dir()
    assert location is not None
    units = json.loads((location / "units.json").read_text())
    assert units["passage_ids"], "the test needs a passage of several sentences"
    units["passage_ids"][-1] = 10**9
    _rewrite(location, "units.json", json.dumps(units))
    with pytest.raises(IndexCorruptError, match=r"units.json is damaged \(a sentence belongs"):
        store.load()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda header, rows: (header, [*rows[:1], rows[1][:-1]]), "row 2 does not have"),
        (
            lambda header, rows: ({"columns": [*header["columns"], "colour"]}, rows),
            "unknown columns",
        ),
        (
            lambda header, rows: ({"columns": header["columns"][1:]}, [r[1:] for r in rows]),
            "no column id",
        ),
        (
            lambda header, rows: (header, [[*rows[0][:-2], [0, 10**9], None]]),
            "row 1: its text is not",
        ),
    ],
)
def test_damaged_rows_of_passages_are_named(tmp_path: Path, change, problem: str):
    """passages.jsonl is rows under a header of columns: a row of the wrong width, a
    column qabot does not know or lacks, a text outside texts.txt are each found."""
    store = IndexStore(tmp_path)
    location = store.save(make_index(FakeEmbedder()))
    path = location / "passages.jsonl"
    header, *rows = [json.loads(line) for line in path.read_text().splitlines()]
    header, rows = change(header, rows)
    path.write_text("".join(json.dumps(value) + "\n" for value in (header, *rows)))
    manifest = json.loads((location / "manifest.json").read_text())
    manifest["sizes"]["passages.jsonl"] = path.stat().st_size
    (location / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match=rf"passages.jsonl is damaged \({problem}.*--force"):
        store.load()


def test_a_stored_record_missing_a_field_is_damaged(tmp_path: Path):
    """A record of the current layout is checked field by field, as a Passage would be."""
    from qabot.index.passage_file import passage_from_record
    from qabot.index.texts import TextFile

    (tmp_path / "texts.txt").write_text("We landed at Tampico.")
    record = {"id": 7, "source": "j.txt", "title": "J", "section": None, "date": None}
    record |= {"paragraphs": [1], "start": 0, "end": 21, "text_at": [0, 21]}
    with pytest.raises(ValueError, match="passage 7: no tokens"):
        passage_from_record(dict(record), {}, TextFile(tmp_path / "texts.txt"))
    with pytest.raises(ValueError, match="unknown fields"):
        passage_from_record(
            {**record, "tokens": 5, "colour": 1}, {}, TextFile(tmp_path / "texts.txt")
        )
    passage = passage_from_record({**record, "tokens": 5}, {}, TextFile(tmp_path / "texts.txt"))
    assert passage.text == passage.embed_text == "We landed at Tampico." and passage.role == "text"


@pytest.mark.parametrize("step", [1 << 23, 7])
def test_the_passages_holding_a_string_are_found_in_the_texts_file(
    tmp_path: Path, monkeypatch, step: int
):
    """One search of texts.txt finds the passages whose text holds a string, as reading
    every text would: not a passage whose embedded text alone holds it ("sailed", where
    the text says "sail-ed"), and not across two texts. With a small step the search
    crosses its reads' edges."""
    from qabot.index import texts

    monkeypatch.setattr(texts, "_SEARCHED_AT_ONCE", step)
    IndexStore(tmp_path / "emb").save(
        make_index(FakeEmbedder(), TEXT.replace("sailed", "sail-\ned"))
    )
    loaded = IndexStore(tmp_path / "emb").load().passages
    for needle in ("Tampico", "sailed", "sail-", "ed", "dramas.We", "e", "Moscow", "1936"):
        scanned = frozenset(row for row, p in enumerate(loaded) if needle in p.text)
        assert texts.rows_holding(loaded, needle) == scanned, needle
    assert texts.rows_holding(loaded, "sailed") == frozenset()
    in_memory = [dataclasses.replace(p, text=p.text) for p in loaded]  # no file behind them
    assert texts.rows_holding(in_memory, "Tampico") == texts.rows_holding(loaded, "Tampico")
