"""The same BERT forward pass as :mod:`vectorstore.bert`, in numpy, for fp32 without torch.

Why: importing torch costs about 1 s per process on 2 cores, more than a whole ``assistant
search`` should take. Questions and an answer's few sentences run in fp32 on every CPU (see
:mod:`vectorstore.bert`), and a process that only embeds those uses this pass instead: the
weights are memory-mapped from ``model.safetensors`` (only the pages a forward pass touches are
read) and the arithmetic is numpy's BLAS. Its vectors equal the torch fp32 ones within float32
rounding (tests/vectorstore/test_bert_numpy.py).

GELU needs ``erf``, which numpy lacks; :func:`_gelu` uses the Abramowitz-Stegun 7.1.26 polynomial
(absolute error below 1.5e-7, the size of float32 rounding).
"""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


#: Kept in their stored precision: a forward pass reads only the rows of its tokens, and
#: converting multilingual-e5-small's fp16 vocabulary (250,037 x 384) to float32 up front cost
#: about 0.7 s of every process's first question.
_GATHERED = ("embeddings.word_embeddings.weight",)


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The floating-point tensors of a ``.safetensors`` file as read-only arrays over one
    memory map. float32 tensors are not copied (pages are read when a tensor is used); fp16
    ones are converted to float32, except the word embeddings (:data:`_GATHERED`), whose rows
    :func:`forward` converts as it reads them."""
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    (header_len,) = struct.unpack("<Q", mapped[:8])
    header = json.loads(mapped[8 : 8 + header_len])
    base = 8 + header_len
    out = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] not in ("F32", "F16"):
            continue
        start, end = spec["data_offsets"]
        array = np.frombuffer(mapped, dtype=_DTYPES[spec["dtype"]], count=(end - start) //
                              np.dtype(_DTYPES[spec["dtype"]]).itemsize, offset=base + start)
        name = name.removeprefix("bert.")
        array = array.reshape(spec["shape"])
        out[name] = array if name in _GATHERED else array.astype(np.float32, copy=False)
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    """``0.5 * x * (1 + erf(x / sqrt 2))``, with :func:`erf` as the Abramowitz-Stegun 7.1.26
    polynomial, worked in place: the feed-forward activations are the largest arrays of a
    pass, and fresh temporaries for each step cost a third of the time."""
    z = x * np.float32(0.7071067811865476)
    a = np.abs(z)
    np.minimum(a, np.float32(4.0), out=a)  # erf(4) is 1 in float32; no denormal exp()
    t = a * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.multiply(a, a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|z|)
    np.subtract(np.float32(1.0), poly, out=poly)
    np.copysign(poly, z, out=poly)  # erf(z)
    poly += np.float32(1.0)
    poly *= x
    poly *= np.float32(0.5)
    return poly


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + np.float32(eps)) * weight + bias


def forward(w: dict[str, Any], config: dict[str, Any], rows: list[list[int]]) -> np.ndarray:
    """Mean-pooled, unit-length float32 vectors of the token-id ``rows`` (one padded batch)."""
    batch, length = len(rows), max(len(r) for r in rows)
    ids = np.zeros((batch, length), dtype=np.int64)
    mask = np.zeros((batch, length), dtype=bool)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = True
    heads = int(config["num_attention_heads"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    hidden = int(config["hidden_size"])
    size = hidden // heads

    def norm(x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, w[f"{name}.weight"], w[f"{name}.bias"], eps)

    def dense(x: np.ndarray, name: str) -> np.ndarray:  # one 2-D product: BLAS, not a loop
        flat = x.reshape(batch * length, x.shape[-1]) @ w[f"{name}.weight"].T
        return (flat + w[f"{name}.bias"]).reshape(batch, length, -1)

    def split(x: np.ndarray) -> np.ndarray:  # (batch, length, hidden) -> (batch, heads, length, d)
        # contiguous, or numpy's stacked matmul falls back to its slow non-BLAS loop
        return np.ascontiguousarray(x.reshape(batch, length, heads, size).transpose(0, 2, 1, 3))

    x = (
        w["embeddings.word_embeddings.weight"][ids].astype(np.float32, copy=False)
        + w["embeddings.position_embeddings.weight"][:length]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = norm(x, "embeddings.LayerNorm")
    keep = mask[:, None, None, :].astype(np.float32)
    blocked = np.where(keep > 0, np.float32(0.0), np.float32(-np.inf))
    scale = np.float32(1.0 / np.sqrt(size))
    for layer in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{layer}"
        q = split(dense(x, f"{p}.attention.self.query"))
        k = split(dense(x, f"{p}.attention.self.key"))
        v = split(dense(x, f"{p}.attention.self.value"))
        scores = (q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2))) * scale + blocked
        # floored at -80 (exp: 1.8e-35, no slow denormals); padding stays -inf, so exactly 0
        scores = np.exp(np.maximum(scores - scores.max(-1, keepdims=True), np.float32(-80.0)))
        scores *= keep
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = norm(x + dense(context, f"{p}.attention.output.dense"),
                 f"{p}.attention.output.LayerNorm")
        inner = _gelu(dense(x, f"{p}.intermediate.dense"))
        x = norm(x + dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
    weights = mask[..., None].astype(np.float32)
    pooled = (x * weights).sum(1) / np.maximum(weights.sum(1), 1.0)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled.astype(np.float32, copy=False)
