"""The FTS5 lexical index on real SQLite."""

from __future__ import annotations

from ingest.records import Chunk
from vectorstore import Fts5LexicalIndex, fts_query


def _chunk(i: int, text: str, doc: str = "d1", source: str = "a.md", year: int = 2009) -> Chunk:
    return Chunk(f"c{i}", doc, source, "Title", year, "Findings", None, None, 0, len(text), i, text)


def test_query_terms_are_quoted_so_syntax_is_inert():
    assert fts_query('"foo" NEAR( OR *') == '"foo" OR "near"'
    assert fts_query("What is the budget?") == '"budget"'
    assert fts_query("the of") == '"the" OR "of"'  # only stopwords: keep them
    assert fts_query("!!! ???") == ""


def test_bm25_ranking_stemming_and_filters(tmp_path):
    index = Fts5LexicalIndex(tmp_path / "lex.sqlite3")
    index.add([
        _chunk(0, "Remittances sent by migrant workers grew quickly."),
        _chunk(1, "The project trained labour inspectors.", doc="d2", source="b.txt", year=2013),
        _chunk(2, "Migrants' remittance flows and remittances policy; remittances again."),
    ])
    hits = index.search("remittance", 5)
    assert [h.chunk.chunk_id for h in hits] == ["c2", "c0"]  # porter stemming, bm25 order
    assert hits[0].score > hits[1].score > 0
    assert index.search("inspectors", 5, doc_ids=["d1"]) == []
    assert [h.chunk.source for h in index.search("trained", 5, year_min=2010)] == ["b.txt"]
    assert index.search("trained", 5, sources=["a.md"]) == []
    assert index.search('"foo" NEAR( OR *', 5) == []  # hostile syntax: no error, no hit
    assert index.doc_counts() == {"d1": 2, "d2": 1}


def test_replace_and_delete_documents(tmp_path):
    index = Fts5LexicalIndex(tmp_path / "lex.sqlite3")
    index.add([_chunk(0, "old text about quotas")])
    index.replace_doc("d1", [_chunk(1, "new text about visas")])
    assert index.search("quotas", 5) == []
    assert [h.chunk.chunk_id for h in index.search("visas", 5)] == ["c1"]
    index.delete_doc("d1")
    assert index.count() == 0
