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


def test_past_the_budget_the_commonest_terms_leave_the_or(tmp_path):
    index = Fts5LexicalIndex(tmp_path / "lex.sqlite3", max_postings=None)
    # "migration" in every chunk, "workers" in 6 of 10, "quotas" and "visas" in one each
    index.add([
        _chunk(i, "labour migration " + ("workers " if i < 6 else "") + extra)
        for i, extra in enumerate(["quotas", "visas"] + [""] * 8)
    ])
    question = "Which migration quotas and visas for workers?"
    everything = [h.chunk.chunk_id for h in index.search(question, 20)]
    assert len(everything) == 10  # every chunk holds "migration"
    assert index.selective_terms(["migration", "quotas", "visas", "workers"]) == [
        "migration", "quotas", "visas", "workers"]

    index.max_postings = 7  # 10 + 6 + 1 + 1 entries: "migration", then "workers" go
    assert index.selective_terms(["migration", "quotas", "visas", "workers"]) == [
        "quotas", "visas"]
    pruned = [h.chunk.chunk_id for h in index.search(question, 20)]
    assert pruned == ["c0", "c1"] and everything[:2] == pruned  # the same best two
    index.max_postings = 1  # at least the two rarest stay
    assert index.selective_terms(["migration", "quotas", "visas"]) == ["quotas", "visas"]
    index.max_postings = 12  # only "migration" goes: 6 + 1 + 1 fit
    assert index.selective_terms(["workers", "migration", "visas"]) == ["workers", "visas"]


def test_terms_are_counted_under_the_stems_fts5_stores(tmp_path):
    from vectorstore.lexical import porter_stem

    index = Fts5LexicalIndex(tmp_path / "lex.sqlite3", max_postings=0)
    words = ["migrants", "migration", "evaluated", "evaluations", "running", "policies",
             "remittance", "capacities", "trained", "s", "2008", "labour's"]
    index.add([_chunk(i, f"{w} filler") for i, w in enumerate(words)])
    conn = index._conn()
    for word in ("migrants", "evaluations", "policies", "capacities", "trained", "s", "2008"):
        stored = conn.execute("SELECT doc FROM temp.chunk_terms WHERE term = ?",
                              (porter_stem(word),)).fetchone()
        matched = conn.execute("SELECT count(*) FROM chunks WHERE chunks MATCH ?",
                               (f'"{word}"',)).fetchone()[0]
        assert stored is not None and stored[0] == matched > 0, word


def test_every_chunk_is_read_back_in_batches(tmp_path):
    index = Fts5LexicalIndex(tmp_path / "lex.sqlite3")
    index.add([_chunk(i, f"Sentence number {i}.") for i in range(7)])
    index.delete_doc("nothing")
    assert [c.chunk_id for c in index.iter_chunks(batch=3)] == [f"c{i}" for i in range(7)]
    assert list(Fts5LexicalIndex(tmp_path / "empty.sqlite3").iter_chunks()) == []
