"""Chunking with the real tokenizer: window, sections, offsets, pages, stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PDF_2008, REPORTS

from ingest import ChunkingOptions, read_catalog
from ingest.pipeline import prepare_file
from ingest.sentences import split_sentences


@pytest.fixture(scope="module")
def prepared(count_tokens):
    catalog = read_catalog(REPORTS)
    files = sorted(p for p in REPORTS.iterdir() if p.suffix in (".md", ".txt")) + [PDF_2008]
    return {p.name: prepare_file(p, count_tokens, catalog.get(p.name)) for p in files}


def test_every_chunk_fits_the_embedding_window(prepared, count_tokens):
    for doc in prepared.values():
        for chunk in doc.chunks:
            # + 2 for the [CLS] and [SEP] tokens the model adds
            assert count_tokens(chunk.embedding_text()) + 2 <= 256, (chunk.source, chunk.position)


def test_chunks_carry_metadata_and_point_into_the_document_text(prepared):
    from ingest.chunking import document_text

    for doc in prepared.values():
        text, _ = document_text(doc.sections)
        sections = {s.name for s in doc.sections}
        for i, chunk in enumerate(doc.chunks):
            assert chunk.position == i
            assert chunk.doc_id == doc.document.doc_id
            assert chunk.source == doc.document.source
            assert chunk.title and chunk.year
            assert chunk.section in sections  # never across a section
            assert text[chunk.char_start : chunk.char_end] == chunk.text
            assert len(chunk.chunk_id) == 32


def test_catalog_metadata_is_used(prepared):
    doc = prepared["2013-ilo-labour-migration-evaluation-summary.md"]
    assert doc.meta.year == 2013
    assert doc.meta.kind == "evaluation summary"
    assert doc.chunks[0].title == "ILO's work on international labour migration: evaluation summary"


def test_pdf_chunks_have_page_ranges_and_text_chunks_have_none(prepared):
    pdf = prepared[PDF_2008.name]
    assert all(1 <= c.page_start <= c.page_end <= 72 for c in pdf.chunks)
    for page in (10, 20, 42, 60):  # ranges are kept across the whole report
        assert any(c.page_start <= page <= c.page_end for c in pdf.chunks), page
    txt = prepared["2008-migrant-worker-protection-strategy-evaluation.txt"]
    assert all(c.page_start is None for c in txt.chunks)


def test_phrase_from_page_42_is_on_page_42(prepared):
    phrase = "different agencies find themselves working on the same issue"
    chunks = [c for c in prepared[PDF_2008.name].chunks if phrase in c.text]
    assert chunks  # two when the sentence is carried over as overlap
    assert all(c.page_start <= 42 <= c.page_end for c in chunks)
    assert chunks[0].section.endswith("4.4 Coordination with other International actors in the "
                                      "field of migration")


def test_chunk_ids_are_stable(count_tokens, prepared):
    path = REPORTS / "2021-fair-labour-migration-hle-summary.txt"
    again = prepare_file(path, count_tokens, read_catalog(REPORTS).get(path.name))
    assert [c.chunk_id for c in again.chunks] == [c.chunk_id for c in prepared[path.name].chunks]


def test_long_paragraph_is_cut_at_sentences_with_overlap(tmp_path, count_tokens):
    sentences = [f"Sentence number {i} describes migrant worker protection in country {i}."
                 for i in range(60)]
    path = tmp_path / "long.md"
    path.write_text("# Findings\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    doc = prepare_file(Path(path), count_tokens, options=ChunkingOptions(target=80, overlap=20))
    assert len(doc.chunks) > 3
    for chunk in doc.chunks:
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith(".")
    # consecutive chunks share one sentence
    first_last = doc.chunks[0].text.split(". ")[-1]
    assert doc.chunks[1].text.startswith(first_last.rstrip("."))


def test_summed_sizes_give_the_chunks_a_recount_of_each_group_gives(prepared, count_tokens):
    """A group's size is the sum of its units' counts; counting each candidate group's text
    instead (what chunking did before) gives the same chunks with the real tokenizer."""
    from ingest import chunking

    def recount(units, budget, overlap, size=None, text=""):
        return chunking._pack(units, budget, overlap, lambda group: count_tokens(
            text[group[0].start : group[-1].end]))

    for name in ("2009-lmpp-project-final-evaluation.md", PDF_2008.name):
        doc = prepared[name]
        text, offsets = chunking.document_text(doc.sections)
        for section, section_offsets in zip(doc.sections, offsets, strict=True):
            units = chunking._units(section.paragraphs, section_offsets, text, count_tokens, 180)
            assert chunking._pack(units, 180, 40) == recount(units, 180, 40, text=text)


def test_a_tokenizer_that_merges_across_spaces_never_overflows_the_window(tmp_path):
    """With a counter whose count of a text exceeds the sum of its parts' (here: words plus
    one per space), a chunk near the window is counted again and its section re-packed."""
    def merging(text: str) -> int:
        return len(text.split()) + text.count(" ")

    sentences = [f"Sentence {i} on labour migration governance in region {i}." for i in range(80)]
    path = tmp_path / "long.md"
    path.write_text("# Findings\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    options = ChunkingOptions(target=500, window=114, overlap=20)
    doc = prepare_file(Path(path), merging, options=options)
    assert len(doc.chunks) > 3
    for chunk in doc.chunks:  # + 1: the line between the section path and the passage
        assert merging(chunk.embedding_text()) + 1 + options.special_tokens <= options.window


def test_chunking_options_are_validated():
    with pytest.raises(ValueError, match="overlap must be"):
        ChunkingOptions(target=50, overlap=60)


def test_sentence_splitter_handles_abbreviations_and_rows():
    text = "Mr. Martin met e.g. the DG. Budget was US$ 2.5 million. Next.\nRow | 2"
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == [
        "Mr. Martin met e.g. the DG.", "Budget was US$ 2.5 million.", "Next.", "Row | 2"
    ]
