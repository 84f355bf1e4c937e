"""The ONNX int8 embedder, evaluated as a candidate (not the product's default; see
docs/benchmarks.md): the BERT of the packaged all-MiniLM-L6-v2 exported once with
``torch.onnx.export``, dynamically quantised to int8 by onnxruntime (per-channel weights), cached
in the index directory under ``models/``, and run by onnxruntime with the same tokenisation,
length-sorted batches and mean pooling as the native backend.

    python -m bench.onnx_int8 [--write]   speed and fidelity on the default corpus's chunks
    python -m bench.scifact --embedder onnx-int8   its SciFact figures through the product
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.foundation import all_chunks, publish
from vectorstore.bert import BertEmbedder
from vectorstore.embedder import PACKAGED_MODEL_SHA256

ROOT = Path(__file__).resolve().parent.parent

MARK = "<!-- onnx -->"


def export(model_dir: Path, target: Path, quantise: bool = True) -> float:
    """Export (and quantise); returns the seconds it took (imports included)."""
    started = time.perf_counter()
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir)).eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    fp32 = target.with_suffix(".fp32.onnx") if quantise else target
    example = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        Hidden().eval(), (example, example), str(fp32), input_names=["input_ids", "attention_mask"],
        output_names=["hidden"], dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                                "hidden": axes},
        opset_version=17, dynamo=False,
    )
    if quantise:
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        fp32.unlink()
    return time.perf_counter() - started


class OnnxInt8Embedder(BertEmbedder):
    """int8 (or, with ``quantise=False``, fp32) all-MiniLM-L6-v2 through onnxruntime; the model
    file is cached in ``cache_dir``."""

    def __init__(self, cache_dir: Path, quantise: bool = True, **kwargs: Any):
        super().__init__(precision="fp32", **kwargs)
        self.quantise = quantise
        self.precision = "onnx-int8" if quantise else "onnx-fp32"
        self.cache_dir = Path(cache_dir)
        self.export_seconds = 0.0
        self._session: Any = None

    def _load(self) -> None:
        if self._weights:
            return
        super()._load()  # tokenizer, config, checks; the torch weights are dropped below
        import onnxruntime as ort

        kind = "int8" if self.quantise else "fp32"
        target = self.cache_dir / "models" / f"minilm-{PACKAGED_MODEL_SHA256[:16]}-{kind}.onnx"
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            path = self.model_path()
            assert path is not None
            self.export_seconds = export(path, target, self.quantise)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self._session = ort.InferenceSession(str(target), options,
                                             providers=["CPUExecutionProvider"])
        self._weights = {"onnx": True}

    def _forward(self, rows: list[list[int]]) -> np.ndarray:
        self._load()
        length = max(len(r) for r in rows)
        ids = np.zeros((len(rows), length), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    from assistant import Settings, build_assistant

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(index_dir=Path(tmp) / "index", env={})
        with build_assistant(settings) as assistant:
            assistant.ingest([ROOT / "data" / "reports"])
            texts = [c.embedding_text() for c in all_chunks(assistant)]
        candidates = {
            "native fp32 (reference)": BertEmbedder(precision="fp32"),
            "native bf16": BertEmbedder(precision="bf16"),
            "ONNX int8, per-channel": OnnxInt8Embedder(Path(tmp) / "index"),
        }
        rows, reference = [], None
        for label, embedder in candidates.items():
            embedder.embed_documents(texts[:4])  # load (and export) outside the timing
            started = time.perf_counter()
            vectors = embedder.embed_documents(texts)
            seconds = time.perf_counter() - started
            if reference is None:
                reference = vectors
            cosines = (vectors * reference).sum(axis=1)
            rows.append((label, len(texts) / seconds, float(cosines.min()),
                         float(cosines.mean()), getattr(embedder, "export_seconds", 0.0)))
    lines = [
        MARK,
        "## Embedders on the default corpus's chunks",
        "",
        f"The {len(texts)} chunks of the default corpus embedded in-process after loading; cosine "
        "against the fp32 vectors of the same chunks.",
        "",
        "| embedder | chunks/s | cosine to fp32, min / mean | one-time export |",
        "|---|---|---|---|",
    ]
    for label, rate, low, mean, exported in rows:
        lines.append(f"| {label} | {rate:.0f} | {low:.4f} / {mean:.5f} | "
                     f"{f'{exported:.1f} s' if exported else '—'} |")
    lines.append(MARK)
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
