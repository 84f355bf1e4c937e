"""The embedding paths on a CPU with and without AMX: which precision, runtime, thread count and
batch shape embeds the default corpus's chunks fastest, and how far each strays from fp32.

Each configuration runs in its own process (oneDNN reads ``ONEDNN_MAX_CPU_ISA`` once, when torch
loads it), embeds the same sample of chunks ``--repeats`` times after a warm-up, and reports the
median rate; the parent compares the vectors with the fp32 ones. Configurations are run in turn,
round-robin, so load on a shared machine falls on all of them alike.

``ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16`` holds oneDNN to avx512_bf16 without AMX (an AMD EPYC's
Zen 4 has this set), ``AVX512_CORE`` to AVX-512 without bf16, ``AVX2`` to older CPUs. fp32 products
go to MKL, which the variable does not touch, and ONNX Runtime has its own kernels (MLAS), so
those rows hold on a CPU without AMX only as far as MKL and MLAS do not use AMX for them.

    python -m bench.cpu_paths [--write] [--chunks 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.foundation import publish, without_amx
from vectorstore.bert import cpu_has_amx_bf16

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- cpu-paths -->"

Config = tuple[dict[str, str], dict]

#: rows measured on every CPU: label -> (environment, embedder options)
COMMON: dict[str, Config] = {
    "torch bf16, oneDNN held to AVX-512 without bf16": (
        {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, {"precision": "bf16"}),
    "torch fp32, 1 thread": ({}, {"precision": "fp32", "threads": 1}),
    "torch fp32, batch 128": ({}, {"precision": "fp32", "batch": 128}),
    "numpy fp32, as a question's sentences in a process of their own (tight passes, BLAS "
    "threads by load)": ({}, {"precision": "fp32", "numpy": True}),
    "ONNX Runtime fp32, 2 threads": ({}, {"onnx": "fp32"}),
    "ONNX Runtime int8 (dynamic, per-channel), 2 threads": ({}, {"onnx": "int8"}),
}

#: on a CPU with AMX (the first row is the reference of the others)
CONFIGS: dict[str, Config] = {
    "torch fp32, 2 threads, batch 32 sorted by length (the non-AMX default)": (
        {}, {"precision": "fp32"}),
    "torch bf16 on AMX tiles (the AMX default)": ({}, {"precision": "bf16"}),
    "torch bf16, oneDNN held to avx512_bf16 (no AMX)": (
        {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, {"precision": "bf16"}),
    "torch fp32, batch 8": ({}, {"precision": "fp32", "batch": 8}),
    "torch fp32, batch 32 in corpus order (not sorted by length)": (
        {}, {"precision": "fp32", "unsorted": True}),
    **COMMON,
}

#: on a CPU without AMX, where bf16 runs on avx512_bf16 if the CPU has it
NO_AMX_CONFIGS: dict[str, Config] = {
    "torch fp32, 2 threads, batch 32 sorted by length": ({}, {"precision": "fp32"}),
    "torch bf16 on avx512_bf16, batch 32 (the default on an AMD CPU with avx512_bf16)": (
        {}, {"precision": "bf16"}),
    "torch bf16, batch 16": ({}, {"precision": "bf16", "batch": 16}),
    "torch bf16, batch 64": ({}, {"precision": "bf16", "batch": 64}),
    "torch fp32, batch 16": ({}, {"precision": "fp32", "batch": 16}),
    **COMMON,
}
NO_AMX_MARK = "<!-- cpu-paths-no-amx -->"

CHILD = r"""
import json, sys, time
import numpy as np
options, texts_file, out_file, repeats, cache = (json.loads(sys.argv[1]), sys.argv[2],
                                                  sys.argv[3], int(sys.argv[4]), sys.argv[5])
texts = json.loads(open(texts_file).read())
if options.get("onnx"):
    from pathlib import Path
    from bench.onnx_int8 import OnnxInt8Embedder
    embedder = OnnxInt8Embedder(Path(cache), quantise=options["onnx"] == "int8")
else:
    from vectorstore.bert import BertEmbedder
    embedder = BertEmbedder(precision=options["precision"], batch_size=options.get("batch", 32))
if options.get("threads"):
    import torch
    torch.set_num_threads(options["threads"])
if not options.get("onnx") and not options.get("numpy"):
    embedder._load()  # torch for every batch, as in an ingest
if options.get("unsorted"):
    embedder.batching_order = lambda items: list(range(len(items)))
# numpy: the path of a question's sentences in a process that has not loaded torch
embed = (lambda: embedder.embed_sentences(texts)) if options.get("numpy") else \
    (lambda: embedder.embed_documents(texts))
embed()  # warm-up: load, export, first-call costs
rates = []
for _ in range(repeats):
    started = time.perf_counter()
    vectors = embed()
    rates.append(len(texts) / (time.perf_counter() - started))
np.save(out_file, vectors)
print(json.dumps({"rates": rates}))
"""


def sample(count: int) -> list[str]:
    """Every n-th chunk (its embedding text) of the default reports, ``count`` in all; chunked
    as an ingest chunks them, without embedding anything."""
    from ingest import SUPPORTED_SUFFIXES
    from ingest.pipeline import prepare_file
    from vectorstore import make_embedder

    count_tokens = make_embedder().count_tokens
    texts = [
        chunk.embedding_text()
        for path in sorted((ROOT / "data" / "reports").iterdir())
        if path.suffix in SUPPORTED_SUFFIXES
        for chunk in prepare_file(path, count_tokens).chunks
    ]
    step = max(1, len(texts) // count)
    return texts[::step][:count]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--chunks", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="round-robin passes")
    args = parser.parse_args()
    texts = sample(args.chunks)
    no_amx = without_amx()
    configs = NO_AMX_CONFIGS if no_amx and not cpu_has_amx_bf16() else CONFIGS
    rates: dict[str, list[float]] = {label: [] for label in configs}
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts))
        for _ in range(args.rounds):
            for number, (label, (env, options)) in enumerate(configs.items()):
                out = Path(tmp) / f"{number}.npy"
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, json.dumps(options), str(texts_file), str(out),
                     str(args.repeats), tmp],
                    capture_output=True, text=True, cwd=ROOT, timeout=1800,
                    env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", **env},
                )
                if done.returncode:
                    raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
                rates[label] += json.loads(done.stdout.strip().splitlines()[-1])["rates"]
                vectors[label] = np.load(out)
                print(label, statistics.median(rates[label]), file=sys.stderr)
    reference_label = next(iter(configs))
    reference = vectors[reference_label]
    base = statistics.median(rates[reference_label])
    mark = NO_AMX_MARK if configs is NO_AMX_CONFIGS else MARK
    lines = [
        mark,
        f"## Embedding paths without AMX ({no_amx})" if configs is NO_AMX_CONFIGS else
        "## Embedding paths with and without AMX",
        "",
        f"{len(texts)} chunks of the default corpus (every n-th, 19–255 word-pieces), embedded "
        f"in a fresh process per configuration after a warm-up, {args.repeats} timed passes × "
        f"{args.rounds} round-robin rounds; median chunks/s, and the ratio to the first row "
        "from the same run. Cosine against the first row's vectors. " + (
            "A CPU without AMX: bf16 products run on oneDNN's avx512_bf16 kernels where the "
            "CPU has them." if configs is NO_AMX_CONFIGS else
            "oneDNN held off AMX by `ONEDNN_MAX_CPU_ISA` on the AMX Xeon: an emulation of a "
            "CPU without AMX, not an AMD EPYC (`bench/cpu_paths.py` explains what it does and "
            "does not cover)."),
        "",
        "| path | chunks/s (median) | × fp32 | cosine to fp32, min / mean |",
        "|---|---|---|---|",
    ]
    for label in configs:
        rate = statistics.median(rates[label])
        cosines = (vectors[label] * reference).sum(axis=1)
        lines.append(f"| {label} | {rate:.1f} | {rate / base:.2f} | "
                     f"{cosines.min():.4f} / {cosines.mean():.5f} |")
    lines.append(mark)
    publish(mark, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
