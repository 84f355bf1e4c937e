"""A BERT sentence encoder run by a short torch forward pass of our own.

Why not sentence-transformers for the default model: importing it (and through it
``transformers``' BERT) costs about 5 s per process on this project's machines, more than
embedding the whole default corpus at bf16. This module needs only ``torch``, ``safetensors`` and
``tokenizers``, reads the same ``model.safetensors`` and ``tokenizer.json``, and reproduces the
model's mean-pooled, normalised sentence vectors (tests/vectorstore/test_bert.py compares the two).

It serves any local sentence-transformers folder whose model is a BERT with mean pooling; other
models go through sentence-transformers (:func:`vectorstore.embedders.make_embedder`).

Precision: ``fp32``, or ``bf16`` (weights and activations in bfloat16, pooling in fp32). ``auto``
picks bf16 where it measured faster for an ingest's batches, with vectors at cosine >= 0.9999 to
fp32 (docs/benchmarks.md): on CPUs with AMX bf16 units (about 3x) and on AMD CPUs with
avx512_bf16 (a 2-core AMD EPYC: 1.8-1.9x); elsewhere fp32.

Small batches (a question, an answer's sentences) run in fp32: through the numpy copy of this
forward pass (:mod:`vectorstore.bert_numpy`) until the process has loaded the torch weights in
fp32, then through torch (about 3x faster on two cores: a server loads them while it warms up,
:meth:`BertEmbedder.load_fast_path`). The two agree within float32 rounding. So a command that
only asks a question never imports torch (1.2-1.9 s), and a question gets the same vectors in
every process and on every CPU. An embedder in bf16 (for an ingest's large batches) never
uses its bf16 weights for small ones: their vectors would differ from fp32 (cosine 0.9999), and
an answer could too; a server keeps an fp32 copy of the weights for them.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore import unigram
from vectorstore.embedder import LocalModelEmbedder
from vectorstore.errors import EmbeddingModelError
from vectorstore.options import EMBEDDING_PRECISIONS

PRECISIONS = EMBEDDING_PRECISIONS
#: The largest fp32 batch (texts x longest, in word-pieces) run through numpy instead of torch.
NUMPY_MAX_TOKENS = 2048


@functools.cache
def _cpuinfo() -> dict[str, str]:
    """The fields of /proc/cpuinfo's first processor, read once (Linux; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    return fields


def _cpuinfo_field(name: str) -> str:
    return _cpuinfo().get(name, "")


def cpu_flags() -> list[str]:
    """The CPU feature flags /proc/cpuinfo lists (Linux; empty elsewhere)."""
    return _cpuinfo_field("flags").split()


def cpu_vendor() -> str:
    """``GenuineIntel``, ``AuthenticAMD``... as /proc/cpuinfo names it ("" elsewhere)."""
    return _cpuinfo_field("vendor_id")


def cpu_has_amx_bf16() -> bool:
    """True when /proc/cpuinfo lists the AMX bf16 unit (Linux; False elsewhere)."""
    return "amx_bf16" in cpu_flags()


def _onednn_cap(env: Mapping[str, str] | None) -> str:
    return (os.environ if env is None else env).get("ONEDNN_MAX_CPU_ISA", "").strip().upper()


def onednn_allows_amx(env: Mapping[str, str] | None = None) -> bool:
    """False when ``ONEDNN_MAX_CPU_ISA`` caps oneDNN below AMX (``AVX512_CORE_BF16``,
    ``AVX512_CORE``, ``AVX2``...): torch's bf16 products then run without the AMX tiles, as on
    a CPU that has none. This is how the emulated non-AMX figures in docs/benchmarks.md were
    taken."""
    cap = _onednn_cap(env)
    return cap in ("", "ALL", "DEFAULT") or "AMX" in cap or "AVX10" in cap


def onednn_allows_avx512_bf16(env: Mapping[str, str] | None = None) -> bool:
    """False when ``ONEDNN_MAX_CPU_ISA`` caps oneDNN below avx512_bf16 (``AVX512_CORE``,
    ``AVX2``...)."""
    return onednn_allows_amx(env) or _onednn_cap(env).startswith("AVX512_CORE_BF16")


def amx_in_use(env: Mapping[str, str] | None = None) -> bool:
    """Whether torch's bf16 products run on AMX tiles here: the CPU has them and oneDNN is
    not held off them."""
    return cpu_has_amx_bf16() and onednn_allows_amx(env)


def _bf16_is_faster(env: Mapping[str, str] | None, vendor: str, flags: set[str]) -> bool:
    """Where bf16 measured faster than fp32 for an ingest's batches (docs/benchmarks.md):
    on AMX tiles (about 3x), and on an AMD CPU's avx512_bf16 (a 2-core AMD EPYC: 1.8-1.9x).
    Not on an Intel CPU held off its AMX tiles, where avx512_bf16 alone ran at 0.83x fp32."""
    if "amx_bf16" in flags:
        return onednn_allows_amx(env)
    return ("avx512_bf16" in flags and vendor == "AuthenticAMD"
            and onednn_allows_avx512_bf16(env))


def resolve_precision(
    precision: str, env: Mapping[str, str] | None = None,
    cpu: tuple[str, Sequence[str]] | None = None,
) -> str:
    """``fp32`` or ``bf16`` for a precision setting; ``auto`` is bf16 where it measured faster
    on this kind of CPU (see :func:`precision_reason`). ``cpu`` is (vendor, flags), read from
    /proc/cpuinfo when not given."""
    if precision not in PRECISIONS:
        raise EmbeddingModelError(
            f"embedding precision must be one of {', '.join(PRECISIONS)}; got {precision!r}"
        )
    if precision == "auto":
        vendor, flags = cpu if cpu is not None else (cpu_vendor(), cpu_flags())
        return "bf16" if _bf16_is_faster(env, vendor, set(flags)) else "fp32"
    return precision


def precision_reason(
    precision: str, env: Mapping[str, str] | None = None,
    cpu: tuple[str, Sequence[str]] | None = None,
) -> str:
    """Why ``precision`` resolves as it does on this CPU, in one line (for ``assistant doctor``
    and ``assistant --version``)."""
    vendor, flags = cpu if cpu is not None else (cpu_vendor(), cpu_flags())
    chosen = resolve_precision(precision, env, (vendor, flags))
    if precision != "auto":
        return f"{chosen}: set by ASSISTANT_EMBEDDING_PRECISION={precision}"
    if chosen == "bf16" and "amx_bf16" in flags:
        return "bf16: the CPU has AMX bf16 tiles (about 3x the fp32 speed, docs/benchmarks.md)"
    if chosen == "bf16":
        return ("bf16: an AMD CPU with avx512_bf16 (about 1.8x the fp32 speed on an AMD EPYC, "
                "docs/benchmarks.md)")
    if "amx_bf16" in flags:
        return ("fp32: ONEDNN_MAX_CPU_ISA keeps oneDNN off the CPU's AMX tiles, and bf16 "
                "without them measured slower than fp32")
    if "avx512_bf16" in flags and vendor == "AuthenticAMD":
        return "fp32: ONEDNN_MAX_CPU_ISA keeps oneDNN off the CPU's avx512_bf16"
    if "avx512_bf16" in flags:
        return ("fp32: no AMX; on an Intel CPU bf16 through avx512_bf16 alone measured slower "
                "than fp32 (set ASSISTANT_EMBEDDING_PRECISION=bf16 to try it on this CPU)")
    return "fp32: no bf16 units on this CPU, where bf16 runs emulated and slower"


#: Padding (word-pieces, summed over a batch) that an answer's sentence may add to its batch
#: before it starts one of its own (:meth:`BertEmbedder._batches`).
TIGHT_PADDING = 32

#: The smallest numpy pass (texts x longest, in word-pieces) worth a second BLAS thread (e5 on
#: a 2-core AMD EPYC: 128 word-pieces 87 -> 68 ms, 256: 160 -> 101 ms, 512: 311 -> 217 ms).
TWO_THREADS_FROM = 128


def blas_threads(tokens: int, cores: int | None = None, load: float | None = None) -> int:
    """BLAS threads for a numpy pass of ``tokens`` padded word-pieces: two for a pass of an
    answer's sentences (not a question alone) when the machine has two cores and another is
    idle (``load``, the threads runnable now, this one included, below ``cores - 0.5``), else
    one. On a 2-core AMD EPYC, 24 sentences took 0.73 s on two threads against 1.1 s on one
    when idle, but 1.4 s against 1.1 s with the other core busy (docs/benchmarks.md), so a busy
    machine keeps one.

    The load is read at the pass (:func:`runnable_now`), not as the 1-minute load average,
    which counts the commands that ran before this one: a script running ``assistant ask`` one
    question after another kept it near 1.5, and its passes on one thread."""
    cores = (os.cpu_count() or 1) if cores is None else cores
    if tokens < TWO_THREADS_FROM or cores < 2:
        return 1
    if load is None:
        load = runnable_now()
        if load is None:
            return 1
    return 2 if load < cores - 0.5 else 1


def runnable_now() -> float | None:
    """Threads runnable on the machine at this instant that belong to other processes, plus
    one for the caller: the fourth field of ``/proc/loadavg`` less this process's threads in
    state R (an OpenBLAS thread spins a while after its pass, and would count against the
    next). The 1-minute load average where ``/proc`` is missing (not Linux); None where
    neither can be read."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            total = int(handle.read().split()[3].split("/")[0])
        own = 0
        for task in os.scandir("/proc/self/task"):
            try:
                with open(f"{task.path}/stat", encoding="ascii", errors="replace") as handle:
                    own += handle.read().rpartition(")")[2].split()[0] == "R"
            except OSError:  # the thread ended meanwhile
                continue
        return float(max(total - own, 0) + 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def is_mean_pooled_bert(path: Path | None) -> bool:
    """Whether ``path`` is a sentence-transformers folder this module can run."""
    if path is None:
        return False
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode")}
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and modes.get("pooling_mode_mean_tokens") is True
        and not any(v for k, v in modes.items() if k != "pooling_mode_mean_tokens")
        and (path / "model.safetensors").is_file()
        and (path / "tokenizer.json").is_file()
    )


class BertEmbedder(LocalModelEmbedder):
    """Mean-pooled BERT sentence vectors from a local sentence-transformers folder."""

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        *,
        precision: str = "auto",
        batch_size: int = 32,
        verify_weights: bool = True,
    ):
        super().__init__(model, batch_size=batch_size, verify_weights=verify_weights)
        self.precision = resolve_precision(precision)
        self._weights: dict[str, Any] = {}
        self._fp32_weights: dict[str, Any] = {}  # bf16 only: see _load_fp32_copy
        self._config: dict[str, Any] = {}
        self._encoder: Any = None  # truncating at max_tokens: tokenizers, or vectorstore.unigram
        # Text put before queries and before documents, for models trained with them
        # ("query: " / "passage: " for e5), from config_sentence_transformers.json.
        self.prompts: dict[str, str] = {}
        self._numpy_weights: dict[str, Any] = {}
        self._load_lock = threading.Lock()
        self._prefetching: threading.Thread | None = None
        #: what a :meth:`prefetch` raised (the first embedding raises it again), for tests
        self.prefetch_error: Exception | None = None

    def _prepare(self) -> None:
        """Check the folder and the weights' sha256, read the config and the tokenizer (once)."""
        with self._load_lock:
            if self._encoder is not None:
                return
            path = self.model_path()
            if not is_mean_pooled_bert(path):
                raise EmbeddingModelError(
                    f"'{self.model_spec}' is not a mean-pooled BERT sentence-transformers folder; "
                    "set ASSISTANT_EMBEDDING_BACKEND=sentence-transformers"
                )
            assert path is not None
            self.verify()
            from tokenizers import Tokenizer

            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            try:
                st_config = json.loads(
                    (path / "sentence_bert_config.json").read_text(encoding="utf-8")
                )
            except (OSError, ValueError):
                st_config = {}
            try:
                prompts = json.loads(
                    (path / "config_sentence_transformers.json").read_text(encoding="utf-8")
                ).get("prompts") or {}
            except (OSError, ValueError):
                prompts = {}
            self.prompts = {k: v for k, v in prompts.items() if k in ("query", "document") and v}
            self.max_tokens = int(
                st_config.get("max_seq_length") or config.get("max_position_embeddings", 512)
            )
            # a unigram vocabulary (e5's 250,002 pieces) takes tokenizers 1-2 s to build;
            # vectorstore.unigram gives the same ids after a tenth of that
            encoder: Any = unigram.load(path, self.max_tokens)
            if encoder is None:
                slow = Tokenizer.from_file(str(path / "tokenizer.json"))
                slow.no_padding()
                slow.enable_truncation(self.max_tokens)
                encoder = slow
            self._config = config
            self.dimension = int(config["hidden_size"])
            self._encoder = encoder

    def load(self) -> None:
        self._prepare()
        self._load()

    def _load(self) -> None:
        """The torch weights, in this embedder's precision."""
        if not self._weights:
            self._read_torch(own=True)

    def _load_fp32_copy(self) -> None:
        """In bf16, an fp32 copy of the torch weights for small batches (a server's
        questions and answer sentences), so that they leave numpy without leaving fp32."""
        if not self._fp32_weights:
            self._read_torch(own=False)

    def _read_torch(self, own: bool) -> None:
        """Read the torch weights once: the embedder's own (``own``), or its fp32 copy."""
        self._prepare()
        with self._load_lock:
            if self._weights if own else self._fp32_weights:
                return
            import torch
            from safetensors.torch import load_file

            path = self.model_path()
            assert path is not None
            dtype = torch.bfloat16 if own and self.precision == "bf16" else torch.float32
            raw = load_file(str(path / "model.safetensors"))
            weights = {
                name.removeprefix("bert."): tensor.to(dtype)
                for name, tensor in raw.items()
                if tensor.is_floating_point()
            }
            if own:
                self._weights = weights
            else:
                self._fp32_weights = weights
            self._numpy_weights = {}
            self.loads += 1

    def _load_numpy(self) -> dict[str, Any]:
        """The fp32 weights memory-mapped for :mod:`vectorstore.bert_numpy` (no torch)."""
        self._prepare()
        with self._load_lock:
            if not self._numpy_weights:
                from vectorstore.bert_numpy import load_safetensors

                path = self.model_path()
                assert path is not None
                self._numpy_weights = load_safetensors(path / "model.safetensors")
                self.loads += 1
            return self._numpy_weights

    def runs_on_numpy(self, rows: Sequence[Sequence[int]]) -> bool:
        """Whether a batch of these token rows runs through numpy (fp32) rather than torch:
        a batch of at most :data:`NUMPY_MAX_TOKENS` padded tokens (questions and answer
        sentences; an ingest's batches go to torch), unless fp32 torch weights are loaded (the
        embedder's own in fp32, a copy in bf16: :meth:`load_fast_path`; the two give the same
        vectors within float32 rounding)."""
        return self._fp32_path(rows) and not self._fp32_torch()

    @staticmethod
    def _fp32_path(rows: Sequence[Sequence[int]], tight: bool = False) -> bool:
        """Whether a batch is a question's (fp32 in every process): an answer's sentences
        (``tight``), or any batch of at most :data:`NUMPY_MAX_TOKENS` padded tokens."""
        return tight or len(rows) * max((len(r) for r in rows), default=0) <= NUMPY_MAX_TOKENS

    # -- embedding -----------------------------------------------------------------------------
    def batching_order(self, texts: Sequence[str]) -> list[int]:
        """Shortest first (in word-pieces), so each batch pads to about its own length."""
        self._prepare()
        encodings = self._encoder.encode_batch(list(texts))
        return sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector (after the model's query prompt, if it has one)."""
        self._prepare()
        return self._embed([self.prompts.get("query", "") + text])[0]

    def embed_query_beside(self, text: str) -> np.ndarray:
        """One query's vector on numpy with one BLAS thread, even where torch's fp32 weights
        are loaded (the same vector within float32 rounding): torch's threads wait for each
        other when another thread holds a core, and FTS5 does during a hybrid search of a large
        index. At 106,055 chunks on a 2-core AMD EPYC, hybrid p50 / p95 went 57.2 / 84.4 ->
        39.0 / 63.3 ms with FTS5 started first and the question on numpy beside it; with the
        question on torch beside it, 57.6 / 84.1 ms (``assistant.retrieval.hybrid``)."""
        self._prepare()
        return self._embed([self.prompts.get("query", "") + text], numpy_only=True, threads=1)[0]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors of ``texts`` (documents: after the model's document
        prompt, if it has one), in their order; run shortest first in forward passes of at
        most ``batch_size`` texts."""
        self._prepare()
        return self._embed(self._as_documents(texts))

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Like :meth:`embed_batch`, for the few sentences of one question: in fp32, on torch
        where its fp32 weights are loaded, else on numpy in passes of at most
        :data:`NUMPY_MAX_TOKENS` padded tokens (long sentences never load torch mid-request)."""
        self._prepare()
        return self._embed(self._as_documents(texts), numpy_only=not self._fp32_torch(),
                           tight=True)

    def embed_sentences_beside(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`embed_sentences` on numpy with one BLAS thread, even where torch's fp32
        weights are loaded (the same vectors within float32 rounding): a thread at low
        priority then takes only a core the requests leave idle, where torch's threads would
        run at the requests' priority."""
        self._prepare()
        return self._embed(self._as_documents(texts), numpy_only=True, tight=True, threads=1)

    def _as_documents(self, texts: Sequence[str]) -> Sequence[str]:
        """``texts`` after the model's document prompt, if it has one ("passage: ")."""
        prompt = self.prompts.get("document", "")
        return [prompt + t for t in texts] if prompt else texts

    def _fp32_torch_weights(self) -> dict[str, Any] | None:
        """The torch weights small batches may use: fp32 ones, when loaded."""
        if self.precision == "fp32" and self._weights:
            return self._weights
        return self._fp32_weights or None

    def _fp32_torch(self) -> bool:
        return self._fp32_torch_weights() is not None

    def load_fast_path(self) -> None:
        """Load fp32 torch weights, so that small batches (questions, answer sentences) run
        on torch, about 2-3x faster than numpy on two cores (a server calls this while it
        warms up): the embedder's own in fp32, an fp32 copy beside its bf16 ones in bf16."""
        if self.precision == "fp32":
            self._load()
        else:
            self._load_fp32_copy()

    def prefetch(self) -> None:
        """Read the tokenizer and, unless torch's fp32 weights are loaded, the numpy weights in
        a background thread (about 0.2 s for multilingual-e5-small), while the caller
        retrieves. An error there is kept, not raised: the first embedding reads again and
        raises it where it is handled."""
        if self._prefetching is not None or (self._encoder is not None and (
                self._numpy_weights or self._fp32_torch())):
            return

        def read() -> None:
            try:
                self._prepare()
                if not self._fp32_torch():
                    self._load_numpy()
            except Exception as error:  # noqa: BLE001 - raised again by the first embedding
                self.prefetch_error = error

        self._prefetching = threading.Thread(target=read, name="prefetch", daemon=True)
        self._prefetching.start()

    def _embed(
        self, texts: Sequence[str], numpy_only: bool = False, tight: bool = False,
        threads: int | None = None,
    ) -> np.ndarray:
        """``threads``: every pass on numpy with that many BLAS threads, even where torch's
        fp32 weights are loaded (work done beside other work: the ``*_beside`` methods)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._encoder.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for batch in self._batches(order, [len(e.ids) for e in encodings], numpy_only, tight):
            rows = [encodings[i].ids for i in batch]
            if threads is not None:
                out[batch] = self._forward_numpy(rows, threads=threads)
            elif self._fp32_path(rows, tight):  # fp32: on torch where loaded, else numpy
                fp32 = self._fp32_torch_weights()
                out[batch] = self._forward_numpy(rows) if fp32 is None else \
                    self._forward(rows, fp32)
            else:  # an ingest's batch, in the embedder's precision
                out[batch] = self._forward(rows)
        self.embedded += len(texts)
        return out

    def _batches(
        self, order: list[int], lengths: list[int], numpy_only: bool, tight: bool = False
    ) -> Iterator[list[int]]:
        """``order`` (shortest first) cut into batches of at most ``batch_size`` texts; with
        ``numpy_only``, also of at most :data:`NUMPY_MAX_TOKENS` padded tokens; with ``tight``
        (an answer's sentences), also where text i would pad the batch's texts by more than
        :data:`TIGHT_PADDING` word-pieces in all: a pass costs about as much as that many
        tokens, and one sentence of 200 word-pieces among a dozen of 30 made half of every
        answer's product padding. An ingest's batches keep their fixed size."""
        batch: list[int] = []
        for i in order:  # shortest first: text i is the widest of its batch so far
            if batch and (len(batch) == self.batch_size or (
                    numpy_only and (len(batch) + 1) * lengths[i] > NUMPY_MAX_TOKENS) or (
                    tight and len(batch) * (lengths[i] - lengths[batch[-1]]) > TIGHT_PADDING)):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def _forward_numpy(self, rows: list[list[int]], threads: int | None = None) -> np.ndarray:
        from threadpoolctl import threadpool_limits

        from vectorstore.bert_numpy import forward

        weights = self._load_numpy()
        threads = threads or blas_threads(len(rows) * max(len(r) for r in rows))
        with threadpool_limits(threads, user_api="blas"):
            return forward(weights, self._config, rows)

    def _forward(self, rows: list[list[int]], given: dict[str, Any] | None = None) -> np.ndarray:
        """One padded batch through torch: with the ``given`` weights, or the embedder's own."""
        if given is None:
            self._load()
        import torch
        import torch.nn.functional as F  # noqa: N812

        w, config = given or self._weights, self._config
        length = max(len(r) for r in rows)
        ids = torch.zeros((len(rows), length), dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.bool)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = True
        heads = int(config["num_attention_heads"])
        eps = float(config.get("layer_norm_eps", 1e-12))
        hidden = int(config["hidden_size"])

        def norm(x: Any, name: str) -> Any:
            return F.layer_norm(x, (hidden,), w[f"{name}.weight"], w[f"{name}.bias"], eps)

        def dense(x: Any, name: str) -> Any:
            return F.linear(x, w[f"{name}.weight"], w[f"{name}.bias"])

        def split(x: Any) -> Any:  # (batch, length, hidden) -> (batch, heads, length, d)
            return x.view(len(rows), length, heads, hidden // heads).transpose(1, 2)

        with torch.inference_mode():
            x = (
                w["embeddings.word_embeddings.weight"][ids]
                + w["embeddings.position_embeddings.weight"][:length]
                + w["embeddings.token_type_embeddings.weight"][0]
            )
            x = norm(x, "embeddings.LayerNorm")
            # an additive mask (0 or -inf) in the weights' dtype: the same result as a boolean
            # one, and torch's attention kernel runs about a fifth faster with it
            attend = torch.zeros(mask.shape, dtype=x.dtype).masked_fill_(
                ~mask, float("-inf"))[:, None, None, :]
            for layer in range(int(config["num_hidden_layers"])):
                p = f"encoder.layer.{layer}"
                q = split(dense(x, f"{p}.attention.self.query"))
                k = split(dense(x, f"{p}.attention.self.key"))
                v = split(dense(x, f"{p}.attention.self.value"))
                context = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
                context = context.transpose(1, 2).reshape(len(rows), length, hidden)
                x = norm(x + dense(context, f"{p}.attention.output.dense"),
                         f"{p}.attention.output.LayerNorm")
                inner = F.gelu(dense(x, f"{p}.intermediate.dense"))
                x = norm(x + dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
            weights = mask.unsqueeze(-1).to(torch.float32)
            pooled = (x.to(torch.float32) * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            pooled = F.normalize(pooled, dim=1)
        return pooled.numpy()
