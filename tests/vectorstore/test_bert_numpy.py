"""The numpy forward pass (fp32 questions without torch) against the torch one."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import yaml
from helpers import REPORTS, ROOT

from vectorstore.bert import (
    BertEmbedder,
    blas_threads,
    onednn_allows_amx,
    precision_reason,
    resolve_precision,
)


@pytest.fixture(scope="module")
def questions() -> list[str]:
    data = yaml.safe_load((ROOT / "eval_questions" / "reports.yaml").read_text(encoding="utf-8"))
    return [q["question"] for q in data["questions"]]


@pytest.fixture(scope="module")
def torch_fp32() -> BertEmbedder:
    embedder = BertEmbedder(precision="fp32")
    embedder._load()  # the torch weights, for torch_vectors
    return embedder


def torch_vectors(embedder: BertEmbedder, texts: list[str]) -> np.ndarray:
    """The texts' vectors from the torch forward pass (one padded batch)."""
    return np.asarray(embedder._forward([e.ids for e in embedder._encoder.encode_batch(texts)]))


def test_numpy_vectors_equal_torch_fp32(questions, torch_fp32):
    text = (REPORTS / "2009-lmpp-project-final-evaluation.md").read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.split("\n") if 30 < len(s.strip()) < 300][:20]
    texts = questions[:12] + sentences
    fast = BertEmbedder(precision="fp32")
    rows = [[101] * 30] * 24  # the size of an answer's sentences: 24 of 30 word-pieces
    assert fast.runs_on_numpy(rows)
    vectors = fast.embed_documents(texts)
    reference = torch_vectors(torch_fp32, texts)
    assert np.abs(vectors - reference).max() < 2e-6
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # a batch too large for numpy goes to torch
    long_rows = [list(range(256))] * 16
    assert not fast.runs_on_numpy(long_rows)
    # with fp32 torch weights loaded (a warm server), small batches go to torch, which agrees
    # with numpy; in bf16 they stay on numpy's fp32 when only the bf16 weights are loaded (an
    # ingest), and go to an fp32 copy once a server warms up
    assert not torch_fp32.runs_on_numpy(rows)
    bf16 = BertEmbedder(precision="bf16")
    bf16._load()  # as an ingest does
    assert bf16.runs_on_numpy(rows)
    bf16.load_fast_path()
    assert not bf16.runs_on_numpy(rows) and bf16._fp32_weights


def test_an_answers_sentences_never_go_to_torch_however_long(torch_fp32):
    # 30 sentences of about 120 word-pieces: 3,600 padded tokens in one pass would exceed
    # NUMPY_MAX_TOKENS; they are cut into passes that fit, and torch is never loaded
    text = (REPORTS / "2008-migrant-worker-protection-strategy-evaluation.txt").read_text(
        encoding="utf-8")
    words = text.split()
    sentences = [" ".join(words[i * 90:(i + 1) * 90]) for i in range(30)]
    fresh = BertEmbedder(precision="bf16")
    vectors = fresh.embed_sentences(sentences)
    assert not fresh._weights  # no torch weights: numpy all the way
    assert np.abs(vectors - torch_vectors(torch_fp32, sentences)).max() < 2e-6


def test_sentences_embedded_beside_requests_equal_a_questions_own(torch_fp32):
    # one BLAS thread on numpy, even with torch's fp32 weights loaded (a warm server)
    text = (REPORTS / "2013-ilo-labour-migration-evaluation-summary.md").read_text(
        encoding="utf-8")
    sentences = [s.strip() for s in text.split("\n") if 30 < len(s.strip()) < 400][:25]
    beside = torch_fp32.embed_sentences_beside(sentences)
    assert np.abs(beside - torch_fp32.embed_sentences(sentences)).max() < 2e-6
    assert torch_fp32.embed_sentences_beside([]).shape == (0, torch_fp32.dimension)


def test_search_ranks_the_same_with_numpy_and_torch_question_vectors(
    corpus, questions, torch_fp32
):
    from assistant.records import SearchRequest

    fast = BertEmbedder(precision="fp32")
    for question in questions:
        request = SearchRequest(question, k=8)
        numpy_ids = [p.chunk_id for p in corpus.retriever.search(
            request, query_vector=fast.embed_query(question))]
        torch_ids = [p.chunk_id for p in corpus.retriever.search(
            request, query_vector=torch_vectors(torch_fp32, [question])[0])]
        assert numpy_ids == torch_ids, question
    assert fast.runs_on_numpy([[101, 102]])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_search_process_imports_neither_torch_nor_chromadb(corpus, precision):
    # the question runs on numpy, the index is read through Chroma's engine
    # (vectorstore.chroma): 1.3-1.9 s and 0.7-0.9 s of imports that a search does not need
    code = (
        "import sys\n"
        "from assistant.serve.cli import main\n"
        f"rc = main(['--index', {str(corpus.settings.index_dir)!r}, 'search', "
        "'budget of the LMPP project', '--json', '--local'])\n"
        "print('IMPORTED', 'torch' in sys.modules, 'chromadb' in sys.modules, rc)\n"
    )
    env = os.environ | {"ASSISTANT_EMBEDDING_PRECISION": precision, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2009-lmpp-project-final-evaluation.md" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "IMPORTED False False 0"


def test_auto_precision_follows_the_onednn_isa_cap():
    capped = {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}
    assert not onednn_allows_amx(capped)
    assert onednn_allows_amx({}) and onednn_allows_amx({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"})
    assert precision_reason("bf16", capped) == "bf16: set by ASSISTANT_EMBEDDING_PRECISION=bf16"


SAPPHIRE_RAPIDS = ("GenuineIntel", ["avx512f", "avx512_bf16", "amx_bf16", "amx_tile"])
ZEN4 = ("AuthenticAMD", ["avx512f", "avx512_bf16", "avx512_vnni"])
COOPER_LAKE = ("GenuineIntel", ["avx512f", "avx512_bf16"])
ZEN3 = ("AuthenticAMD", ["avx2", "fma"])


@pytest.mark.parametrize(("cpu", "env", "expected", "reason"), [
    (SAPPHIRE_RAPIDS, {}, "bf16", "AMX bf16 tiles"),
    (SAPPHIRE_RAPIDS, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, "fp32", "off the CPU's AMX"),
    (ZEN4, {}, "bf16", "AMD CPU with avx512_bf16"),
    (ZEN4, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, "bf16", "AMD CPU with avx512_bf16"),
    (ZEN4, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, "fp32", "off the CPU's avx512_bf16"),
    (COOPER_LAKE, {}, "fp32", "on an Intel CPU bf16 through avx512_bf16 alone"),
    (ZEN3, {}, "fp32", "no bf16 units"),
])
def test_auto_precision_is_bf16_where_it_measured_faster(cpu, env, expected, reason):
    assert resolve_precision("auto", env, cpu) == expected
    line = precision_reason("auto", env, cpu)
    assert line.startswith(f"{expected}: ") and reason in line, line
    assert resolve_precision("fp32", env, cpu) == "fp32"


@pytest.mark.parametrize(("tokens", "cores", "load", "threads"), [
    (24 * 46, 2, 0.9, 2),  # an answer's sentences, the other core idle
    (24 * 46, 2, 1.7, 1),  # the other core busy: a waiting OpenBLAS thread costs more
    (24 * 46, 1, 0.0, 1),
    (40, 2, 0.0, 1),  # a question: too small to share
    (24 * 46, 16, 9.0, 2),
])
def test_a_second_blas_thread_only_for_a_large_pass_on_an_idle_core(tokens, cores, load, threads):
    assert blas_threads(tokens, cores, load) == threads


def test_the_load_is_the_threads_runnable_now():
    """Read at the pass: this test's own thread is running, so at least 1; a process spinning
    beside it makes 2 (the other core is busy)."""
    import time

    from vectorstore.bert import runnable_now

    load = runnable_now()
    assert load is not None and load >= 1
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # started and spinning
        seen = max(runnable_now() or 0 for _ in range(20))
    finally:
        spinner.kill()
        spinner.wait()
    assert seen >= 2


def test_an_answers_sentences_are_batched_without_much_padding():
    embedder = BertEmbedder(precision="fp32")
    lengths = [10, 12, 15, 30, 31, 60, 200, 14]
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    tight = list(embedder._batches(order, lengths, numpy_only=False, tight=True))
    assert [[lengths[i] for i in b] for b in tight] == [[10, 12, 14, 15], [30, 31], [60], [200]]
    # an ingest's batches keep their fixed size, padding and all
    assert len(list(embedder._batches(order, lengths, numpy_only=False))) == 1
    texts = ["Budget: US$ 2,580,649", "The project was funded by the UK Department for "
             "International Development and ran from 2005 to 2008 in seven countries.", "Yes."]
    np.testing.assert_allclose(embedder.embed_sentences(texts), embedder.embed_batch(texts),
                               atol=2e-6)


def test_a_bf16_embedder_warmed_up_embeds_questions_with_an_fp32_copy():
    texts = ["Who funded the LMPP project?", "Budget: US$ 2,580,649",
             "The project ran from 2005 to 2008 in seven countries of Asia."]
    on_numpy = BertEmbedder(precision="bf16")
    reference = on_numpy.embed_sentences(texts)
    query = on_numpy.embed_query(texts[0])
    assert not on_numpy._weights and not on_numpy._fp32_weights  # numpy: torch not loaded
    served = BertEmbedder(precision="bf16")
    served.load_fast_path()  # as a server warms up
    assert served._fp32_weights and not served._weights
    np.testing.assert_allclose(served.embed_sentences(texts), reference, atol=2e-6)
    np.testing.assert_allclose(served.embed_query(texts[0]), query, atol=2e-6)
    assert not served._weights  # the bf16 weights are for an ingest's batches only
    long = " ".join(["The evaluation covered labour migration programmes in Asia."] * 12)
    served.embed_documents([long] * 32)  # an ingest's batch, too large for the fp32 path
    assert served._weights and served.loads == 2
    np.testing.assert_allclose(served.embed_sentences(texts), reference, atol=2e-6)
    # beside FTS5 (a large index's hybrid search) a question goes to numpy on one thread
    np.testing.assert_allclose(served.embed_query_beside(texts[0]), query, atol=2e-6)
    assert served.loads == 3  # the numpy weights, memory-mapped
