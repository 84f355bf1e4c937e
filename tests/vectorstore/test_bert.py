"""The native BERT forward pass against sentence-transformers, on real report chunks."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import REPORTS

from vectorstore import EmbeddingModelError, SentenceTransformerEmbedder, make_embedder
from vectorstore.bert import BertEmbedder, resolve_precision


@pytest.fixture(scope="module")
def texts() -> list[str]:
    text = (REPORTS / "2009-lmpp-project-final-evaluation.md").read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if len(p.strip()) > 40]
    # short and long ones, one longer than the 256-token window (truncated the same way)
    return paragraphs[:24] + [" ".join(paragraphs[:40]), "budget", "Who funded the project?"]


@pytest.fixture(scope="module")
def reference(texts) -> np.ndarray:
    return SentenceTransformerEmbedder().embed_documents(texts)


@pytest.mark.slow  # `reference` runs the real model through sentence-transformers
def test_fp32_reproduces_sentence_transformers(texts, reference):
    native = BertEmbedder(precision="fp32")
    vectors = native.embed_documents(texts)
    assert vectors.shape == reference.shape == (len(texts), 384)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() > 0.99999, cosines.min()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # order is kept although batches run shortest first
    assert np.allclose(native.embed_query(texts[3]), reference[3], atol=1e-4)
    assert native.max_tokens == 256 and native.embedded == len(texts) + 1


@pytest.mark.slow
def test_bf16_stays_within_cosine_1e_4(texts, reference):
    vectors = BertEmbedder(precision="bf16").embed_documents(texts)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() > 0.9999, cosines.min()


def test_the_factory_picks_the_native_backend_for_the_packaged_model():
    embedder = make_embedder()
    assert isinstance(embedder, BertEmbedder)
    assert embedder.precision == resolve_precision("auto")
    assert isinstance(make_embedder(backend="sentence-transformers"), SentenceTransformerEmbedder)
    assert not embedder.loaded  # nothing is read until the first text is embedded


def test_bad_choices_are_refused_by_name(tmp_path):
    with pytest.raises(EmbeddingModelError, match="precision must be one of"):
        resolve_precision("int4")
    with pytest.raises(EmbeddingModelError, match="backend must be one of"):
        make_embedder(backend="onnx")
    # a folder that is not a mean-pooled BERT is sent to sentence-transformers...
    assert isinstance(make_embedder(str(tmp_path)), SentenceTransformerEmbedder)
    # ...and forcing the native backend on it fails with the folder named
    with pytest.raises(EmbeddingModelError, match="not a mean-pooled BERT"):
        make_embedder(str(tmp_path), backend="native").embed_query("x")
