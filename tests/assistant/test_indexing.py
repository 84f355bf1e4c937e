"""Ingest through the Assistant on a real index: idempotence, replacement, deletion, bad input.

Chroma and FTS5 are real throughout. Tests about bookkeeping embed with the hash-seeded fake
(``fake_embedder``, ``fresh_fake``); a test whose search must find a passage by its meaning uses
the real model."""

from __future__ import annotations

import shutil

import pytest
from fakes import HashEmbedder
from helpers import PDF_2008, REPORTS, encrypt_pdf, make_image_only_pdf, make_pdf

from assistant import Assistant, DocumentNotFound, Filters


def _copy(names, folder):
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(REPORTS / name, folder / name)
    shutil.copy(REPORTS / "catalog.yaml", folder / "catalog.yaml")
    return folder


SMALL = [
    "2013-ilo-labour-migration-evaluation-summary.md",
    "2021-fair-labour-migration-hle-summary.txt",
]


def test_reingest_is_idempotent_and_embeds_nothing(tmp_path, settings):
    embedder = HashEmbedder()  # own counter
    folder = _copy(SMALL, tmp_path / "reports")
    with Assistant(settings, embedder=embedder) as assistant:
        first = assistant.ingest([folder])
        assert first.count("added") == 2 and not first.failed
        embedded = embedder.embedded
        assert embedded == first.chunks_written == first.chunks_in_index
    # a new process-like start: new assistant, new embedder, same index
    embedder2 = HashEmbedder()
    with Assistant(settings, embedder=embedder2) as assistant:
        second = assistant.ingest([folder])
        assert second.count("unchanged") == 2 and second.chunks_written == 0
        assert second.chunks_in_index == first.chunks_in_index
        assert assistant.index.dense.count() == first.chunks_in_index
        assert assistant.index.lexical.count() == first.chunks_in_index
    assert embedder2.embedded == 0  # nothing was embedded


def test_changed_file_replaces_its_chunks(tmp_path, fresh_fake):
    folder = _copy(SMALL[:1], tmp_path / "reports")
    path = folder / SMALL[0]
    fresh_fake.ingest([folder])
    old = fresh_fake.documents()[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n\nZanzibar pilot on seasonal quotas.\n",
                    encoding="utf-8")
    report = fresh_fake.ingest([folder])
    assert report.count("replaced") == 1
    (record,) = fresh_fake.documents()
    assert record.doc_id != old.doc_id
    assert fresh_fake.index.dense.doc_ids() == {record.doc_id}
    assert set(fresh_fake.index.lexical.doc_counts()) == {record.doc_id}
    assert fresh_fake.index.dense.count() == record.chunks
    hits = fresh_fake.search("Zanzibar seasonal quotas", k=1, retrieval_mode="lexical")
    assert "Zanzibar" in hits[0].text


def test_a_new_catalog_title_updates_the_document_in_place(tmp_path, fresh_fake):
    folder = _copy(SMALL[:1], tmp_path / "reports")
    fresh_fake.ingest([folder])
    old = fresh_fake.documents()[0]
    (folder / "catalog.yaml").write_text(
        f"reports:\n  {SMALL[0]}:\n    title: Zanzibar review\n    year: 2031\n"
    )
    report = fresh_fake.ingest([folder])
    assert report.count("replaced") == 1
    (record,) = fresh_fake.documents()
    assert (record.doc_id, record.title, record.year) == (old.doc_id, "Zanzibar review", 2031)
    assert fresh_fake.index.dense.count() == fresh_fake.index.lexical.count() == old.chunks
    hit = fresh_fake.search("Zanzibar", k=1, retrieval_mode="dense")[0]
    assert (hit.title, hit.year) == ("Zanzibar review", 2031)
    assert fresh_fake.ingest([folder]).count("unchanged") == 1  # and then it is stable


def test_delete_removes_document_and_chunks(tmp_path, fresh_fake):
    fresh_fake.ingest([_copy(SMALL, tmp_path / "reports")])
    removed = fresh_fake.delete(SMALL[1])
    assert removed.source == SMALL[1]
    assert [d.source for d in fresh_fake.documents()] == [SMALL[0]]
    assert removed.doc_id not in fresh_fake.index.dense.doc_ids()
    hits = fresh_fake.search("fair recruitment case studies", k=10)
    assert hits and all(p.source == SMALL[0] for p in hits)
    with pytest.raises(DocumentNotFound, match="no document named 'nope.md'"):
        fresh_fake.delete("nope.md")


def test_bad_inputs_are_reported_and_the_rest_ingested(tmp_path, settings, fake_embedder):
    folder = _copy(SMALL[:1], tmp_path / "mixed")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "truncated.pdf").write_bytes(PDF_2008.read_bytes()[:4000])
    (folder / "notes.odt").write_bytes(b"PK\x03\x04 not supported")
    (folder / "latin1.txt").write_bytes(
        "Évaluation à Genève: les travailleurs migrants.".encode("latin-1"))
    make_image_only_pdf(folder / "scanned.pdf")
    plain = make_pdf(tmp_path / "plain.pdf", ["Secret evaluation text."])
    encrypt_pdf(plain, folder / "locked.pdf", "pw")
    missing = tmp_path / "does-not-exist.pdf"

    with Assistant(settings, embedder=fake_embedder) as assistant:
        report = assistant.ingest([folder, missing])
    status = {r.source: r.status for r in report.results}
    assert status[SMALL[0]] == "added" and status["latin1.txt"] == "added"
    errors = {r.source: r.error for r in report.failed}
    assert set(errors) == {
        "empty.txt", "binary.txt", "truncated.pdf", "notes.odt", "scanned.pdf", "locked.pdf",
        "does-not-exist.pdf",
    }
    assert "empty.txt: the file is empty" in errors["empty.txt"]
    assert "binary.txt: binary content" in errors["binary.txt"]
    assert "truncated.pdf: corrupt or truncated PDF" in errors["truncated.pdf"]
    assert "unsupported file type '.odt'" in errors["notes.odt"]
    assert "no extractable text" in errors["scanned.pdf"]
    assert "encrypted" in errors["locked.pdf"] and "ASSISTANT_PDF_PASSWORD" in errors["locked.pdf"]
    assert "no such file" in errors["does-not-exist.pdf"]
    assert report.documents_in_index == 2
    latin = next(r for r in report.results if r.source == "latin1.txt")
    assert any("Windows-1252" in w for w in latin.warnings)


def test_encrypted_pdf_opens_with_the_configured_password(tmp_path, fake_embedder):
    from assistant import Settings

    plain = make_pdf(tmp_path / "plain.pdf", ["Evaluation of seasonal worker schemes in Norway."])
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", "pw")
    settings = Settings.load(index_dir=tmp_path / "idx", env={"ASSISTANT_PDF_PASSWORD": "pw"})
    with Assistant(settings, embedder=fake_embedder) as assistant:
        report = assistant.ingest([locked])
        assert report.count("added") == 1
        assert assistant.search("seasonal workers Norway", k=1)[0].page == 1


def test_same_content_under_two_names_is_skipped(tmp_path, fresh_fake):
    folder = _copy(SMALL[:1], tmp_path / "r")
    shutil.copy(folder / SMALL[0], folder / "copy-of-summary.md")
    report = fresh_fake.ingest([folder])
    assert report.count("added") == 1 and report.count("skipped") == 1
    assert "same content as" in next(r.error for r in report.results if r.status == "skipped")


def test_interrupted_ingest_leaves_nothing_answerable_and_is_collected(tmp_path, fresh_fake):
    """Chunks written without a catalog record (a crash before step 3) are invisible to search
    and removed by the next ingest."""
    from ingest import read_catalog
    from ingest.pipeline import prepare_file

    folder = _copy(SMALL[:1], tmp_path / "r")
    path = folder / SMALL[0]
    embedder = fresh_fake.embedder
    prepared = prepare_file(path, embedder.count_tokens, read_catalog(folder).get(path.name))
    vectors = embedder.embed_documents([c.embedding_text() for c in prepared.chunks])
    fresh_fake.index.dense.upsert(prepared.chunks, vectors)  # steps 1-2 only, then "crash"
    fresh_fake.index.lexical.replace_doc(prepared.document.doc_id, prepared.chunks)
    assert fresh_fake.search("interviews with individuals", k=5) == []
    report = fresh_fake.ingest([folder])
    assert report.count("added") == 1
    assert fresh_fake.index.dense.count() == len(prepared.chunks)  # no duplicates
    assert len(fresh_fake.search("interviews with individuals", k=5)) == 5


def test_lexical_cache_is_rebuilt_from_chroma(tmp_path, settings, fake_embedder):
    folder = _copy(SMALL[:1], tmp_path / "r")
    with Assistant(settings, embedder=fake_embedder) as assistant:
        assistant.ingest([folder])
        chunks = assistant.index.dense.count()
    settings.lexical_path.unlink()
    with Assistant(settings, embedder=fake_embedder) as assistant:
        assert assistant.index.lexical.count() == chunks
        assert assistant.search("interviews", k=1, retrieval_mode="lexical")


def test_pdf_search_returns_page_42(corpus_with_pdf):
    hits = corpus_with_pdf.search(
        "agencies working on the same issue with parallel contacts", k=3,
        filters=Filters(sources=(PDF_2008.name,)),
    )
    assert hits[0].source == PDF_2008.name
    assert hits[0].page <= 42 <= hits[0].page_end


@pytest.fixture()
def corpus_with_pdf(tmp_path, fresh):
    fresh.ingest([PDF_2008])
    return fresh


def test_reingest_of_unchanged_files_never_loads_the_real_model(tmp_path, settings, embedder):
    from vectorstore import make_embedder

    folder = _copy(SMALL, tmp_path / "reports")
    with Assistant(settings, embedder=embedder) as assistant:
        assert assistant.ingest([folder]).count("added") == 2
    cold = make_embedder()  # a new process's model, not loaded yet
    with Assistant(settings, embedder=cold) as assistant:
        assert assistant.ingest([folder]).count("unchanged") == 2
    assert not cold.loaded and cold.embedded == 0
