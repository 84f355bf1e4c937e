"""`assistant doctor`: check the index's health and, with ``--repair``, rebuild what is derived.

Checks:
- **chroma**: the Chroma index opens and answers a nearest-neighbour query. A process killed
  mid-write can leave a broken HNSW segment that crashes later loads (upstream issue 7238), so
  the embedded index is probed in a child process, which may crash without taking this one down.
- **catalog**: every catalog record has exactly its number of chunks in Chroma, and no chunk
  belongs to a document without a record (left by an interrupted ingest).
- **lexical**: the FTS5 cache passes SQLite's integrity check and holds each document's chunks.
- **sources**: the report file of every document can be found (needed to rebuild Chroma).
- **sentence vectors**: the kept vectors of answer sentences (a cache) and of passages (the
  second ranking's, made at ingest) can be read; how many.
- **embedder** (always ok, for the record): the model, its backend and the precision this CPU
  gets, with the reason (bf16 on AMX and on AMD CPUs with avx512_bf16, else fp32;
  ``ASSISTANT_EMBEDDING_PRECISION`` overrides).

Repairs, least drastic first:
- orphan chunks are deleted, the FTS5 cache is rebuilt from Chroma, kept sentence vectors that
  cannot be read are deleted (they are embedded again as questions and servers need them);
- a document whose chunks in Chroma do not match its record is ingested again from its file;
- when Chroma itself is broken, the folder is moved aside (kept, never deleted) and a new index
  is built from the report files (the reports folder and the uploads folder).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import Settings

_PROBE = """
import json, sys
from vectorstore.chroma import open_client
client = open_client(__import__("pathlib").Path(sys.argv[1]))
out = {}
for name in ("report_chunks", "report_catalog"):
    try:
        collection = client.get_collection(name)
    except Exception:
        out[name] = None
        continue
    out[name] = collection.count()
    if name == "report_chunks" and out[name]:
        sample = collection.get(limit=1, include=["embeddings"])
        collection.query(query_embeddings=[sample["embeddings"][0]], n_results=min(5, out[name]))
print(json.dumps(out))
"""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"healthy": self.healthy, "checks": [asdict(c) for c in self.checks],
                "repairs": self.repairs}


def probe_chroma(settings: Settings, timeout: float = 180) -> Check:
    """Open Chroma and run a query, in a child process for the embedded index."""
    if settings.chroma_server():
        from vectorstore.chroma import open_client

        host, port, https = settings.chroma_server()  # type: ignore[misc]
        try:
            client = open_client(host=host, port=port, ssl=https)
            client.heartbeat()
            return Check("chroma", True, f"the server at {host}:{port} answers")
        except Exception as exc:  # report, do not raise: this is a diagnosis
            return Check("chroma", False, str(exc))
    path = settings.chroma_path
    if not path.exists():
        return Check("chroma", True, f"no index yet at {path}")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True,
        timeout=timeout, cwd=Path(__file__).resolve().parents[2],
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        if done.returncode < 0:
            why = f"the probe process was killed by signal {-done.returncode} ({why})"
        return Check("chroma", False, f"the index at {path} cannot be loaded: {why}")
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    return Check("chroma", True, f"opens and answers a query ({counts.get('report_chunks')} "
                 f"chunks, {counts.get('report_catalog')} catalog records)")


def source_file(settings: Settings, source: str) -> Path | None:
    for folder in (settings.reports_dir, settings.uploads_dir):
        path = folder / source
        if path.is_file():
            return path
    return None


def diagnose(settings: Settings, embedder: Any = None) -> Report:
    report = Report()
    chroma = probe_chroma(settings)
    report.checks.append(chroma)
    if chroma.ok:
        _check_index(settings, embedder, report)
    from vectorstore import describe_embedder

    report.checks.append(Check("embedder", True, describe_embedder(
        settings.embedding_model, settings.embedding_backend, settings.embedding_precision)))
    report.checks.append(_answer_model_check(settings))
    report.checks.append(sentence_vectors_check(settings))
    return report


def sentence_vectors_check(settings: Settings) -> Check:
    """The kept vectors of answer sentences (``sentence_vectors.sqlite3``): readable, and how
    many the answer model has."""
    import sqlite3

    from assistant.retrieval.second import PASSAGES

    name = "sentence vectors"
    if not settings.keep_sentence_vectors:
        return Check(name, True, "answer sentences not kept (ASSISTANT_KEEP_SENTENCE_VECTORS="
                     "false); the second ranking's passage vectors are kept as index data")
    path = settings.sentence_vectors_path
    if not path.exists():
        return Check(name, True, "none kept yet: a question embeds its sentences and keeps "
                     "them, and a server embeds the index's sentences in advance")
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            problem = conn.execute("PRAGMA quick_check").fetchone()[0]
            kept = conn.execute("SELECT count(*) FROM vectors WHERE model = ?",
                                (settings.answer_model,)).fetchone()[0]
            passages = conn.execute(
                "SELECT count(*) FROM vectors WHERE model = ?",
                (PASSAGES.format(model=settings.answer_model),),
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        problem, kept, passages = str(exc), 0, 0
    if problem != "ok":
        return Check(name, False, f"{path} cannot be read ({problem}); `assistant doctor "
                     "--repair` deletes it: it is a cache, filled again as it is used")
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return Check(name, True, f"{kept} sentence vectors and {passages} passage vectors (the "
                 f"second ranking's) of {settings.answer_model} kept ({size / 1e6:.1f} MB)")


def describe_answer_embedder(settings: Settings) -> str:
    """The model that scores answer sentences, for `doctor` and `--version`: the index's, or
    its own model, backend and precision."""
    from vectorstore import describe_embedder
    from vectorstore.embedders import answer_precision

    model = settings.answer_model
    if model == settings.embedding_model:
        return f"{model} (the index's)"
    own = settings.embedding_precision == "auto"  # not set: fp32 is the answer model's own
    return describe_embedder(model, settings.embedding_backend,
                             answer_precision(settings.embedding_precision),
                             reason="fp32: it embeds only a question's sentences" if own else None)


def _answer_model_check(settings: Settings) -> Check:
    """The model that scores answer sentences: there, or how to fetch it."""
    from vectorstore.e5 import E5_NAMES, e5_ready

    model = settings.answer_model
    if model != settings.embedding_model and model in E5_NAMES and not e5_ready():
        return Check("answer embedder", False, f"{model} is not fetched: answers fail until "
                     f"`assistant models fetch {model}` (or `make install`) fetches it")
    return Check("answer embedder", True, describe_answer_embedder(settings))


def _check_index(settings: Settings, embedder: Any, report: Report) -> None:
    # The parts are opened one by one: opening an Assistant would already re-sync the FTS5
    # cache, hiding the state this report is about.
    from vectorstore import (
        ChromaDenseIndex,
        DocumentCatalog,
        Fts5LexicalIndex,
        make_embedder,
        open_client,
    )

    server = settings.chroma_server()
    client = (open_client(host=server[0], port=server[1], ssl=server[2]) if server
              else open_client(settings.chroma_path))
    model = (embedder or make_embedder(settings.embedding_model, settings.embedding_backend)).name
    lexical = Fts5LexicalIndex(settings.lexical_path)
    try:
        records = DocumentCatalog(client).all()
        counts = ChromaDenseIndex(client, model).doc_counts()
        wrong = [r.source for r in records if counts.get(r.doc_id, 0) != r.chunks]
        orphans = set(counts) - {r.doc_id for r in records}
        report.checks.append(Check(
            "catalog", not wrong and not orphans,
            f"{len(records)} documents" + (f"; chunk counts differ for {', '.join(wrong)}"
                                           if wrong else "")
            + (f"; {len(orphans)} document(s) of chunks without a catalog record "
               "(an interrupted ingest)" if orphans else ""),
        ))
        integrity = lexical.integrity()
        fts = lexical.doc_counts()
        stale = [r.source for r in records if fts.get(r.doc_id) != r.chunks]
        extra = set(fts) - {r.doc_id for r in records}
        report.checks.append(Check(
            "lexical", integrity is None and not stale and not extra,
            integrity or ("FTS5 cache in line with the catalog" if not stale and not extra
                          else f"FTS5 cache out of line for {len(stale) + len(extra)} "
                          "document(s)"),
        ))
        missing = [r.source for r in records if source_file(settings, r.source) is None]
        report.checks.append(Check(
            "sources", not missing,
            "every document's file is in the reports or uploads folder" if not missing
            else "files not found (Chroma could not be rebuilt for these): " + ", ".join(missing),
        ))
    finally:
        lexical.close()


def repair(settings: Settings, embedder: Any = None) -> Report:
    """Diagnose, repair what can be repaired, and diagnose again."""
    before = diagnose(settings, embedder)
    actions: list[str] = []
    if not next(c for c in before.checks if c.name == "sentence vectors").ok:
        kept = settings.sentence_vectors_path
        for stale in kept.parent.glob(kept.name + "*"):  # with its -wal and -shm files
            stale.unlink()
        actions.append(f"deleted {kept.name}, which could not be read (a cache)")
    chroma = before.checks[0]
    if not chroma.ok and not settings.chroma_server():
        actions += _rebuild_chroma(settings, embedder)
    elif chroma.ok:
        from assistant.core import build_assistant

        with build_assistant(settings, embedder=embedder) as assistant:
            index = assistant.index
            removed = index.collect_garbage()
            if removed:
                actions.append(f"deleted the chunks of {removed} interrupted ingest(s)")
            counts = index.dense.doc_counts()
            for record in index.catalog.all():
                if counts.get(record.doc_id, 0) == record.chunks:
                    continue
                path = source_file(settings, record.source)
                if path is None:
                    actions.append(f"cannot re-ingest {record.source}: its file is missing")
                    continue
                index.delete(record.source)
                result = assistant.ingest([path]).results[0]
                actions.append(f"re-ingested {record.source} ({result.status})")
            index.lexical.clear()
            index.refresh()
            index.sync_lexical()
            actions.append("rebuilt the FTS5 cache from Chroma")
    after = diagnose(settings, embedder)
    after.repairs = actions
    return after


def _rebuild_chroma(settings: Settings, embedder: Any) -> list[str]:
    from assistant.core import build_assistant

    broken = settings.chroma_path
    aside = broken.with_name(f"chroma.broken-{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(broken), str(aside))
    if settings.lexical_path.exists():
        settings.lexical_path.unlink()  # derived from Chroma: rebuilt with it
    for suffix in ("-wal", "-shm"):
        extra = settings.lexical_path.with_name(settings.lexical_path.name + suffix)
        if extra.exists():
            extra.unlink()
    folders = [f for f in (settings.reports_dir, settings.uploads_dir) if f.is_dir()]
    with build_assistant(settings, embedder=embedder) as assistant:
        result = assistant.ingest(folders) if folders else None
    added = result.count("added") if result else 0
    failed = [f.error or f.source for f in result.failed] if result else []
    return [
        f"moved the broken Chroma index to {aside} (kept for inspection)",
        f"rebuilt Chroma from the report files in {', '.join(map(str, folders)) or 'nowhere'}: "
        f"{added} document(s) restored" + (f"; failed: {'; '.join(failed)}" if failed else ""),
    ]
