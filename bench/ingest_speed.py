"""Ingest benchmark: cold ingest of data/reports by the product's CLI versus the LangChain
tutorial pipeline (bench/langchain_tutorial.py), each a fresh process on an empty index, run
alternately; then where the product's time goes, re-ingest of the unchanged corpus and ingest
of one changed report.

    python -m bench.ingest_speed [--write] [--runs 3]
    ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16 python -m bench.ingest_speed --write

On a CPU without AMX, or with the second form (oneDNN held off an AMX CPU's tiles: an emulation),
the tables go to their own section. The embedder's ``auto`` precision is what that CPU gets
(:func:`vectorstore.bert.resolve_precision`: bf16 on an AMD CPU with avx512_bf16, fp32 on an
Intel CPU held off its tiles).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.foundation import publish, without_amx

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "data" / "reports"
MARK = "<!-- ingest -->"
NO_AMX_MARK = "<!-- ingest-no-amx -->"


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a process; return wall seconds, its peak resident memory (MiB) and its stdout."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"{' '.join(args)} failed:\n{err.read().decode()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read().decode()


def product(reports: Path, index: Path, extra: dict[str, str] | None = None):
    seconds, peak, out = timed(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "ingest", str(reports),
         "--json", "--quiet"],
        extra,
    )
    return seconds, peak, json.loads(out)["chunks_in_index"]


def langchain(reports: Path, persist: Path):
    seconds, peak, out = timed(
        [sys.executable, str(ROOT / "bench" / "langchain_tutorial.py"), str(reports),
         str(persist)]
    )
    return seconds, peak, json.loads(out.strip().splitlines()[-1])["chunks"]


PHASES = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from assistant import Assistant, Settings, build_assistant
imported = time.perf_counter()
settings = Settings.load(index_dir=Path(sys.argv[1]))  # ASSISTANT_* from the environment
assistant = build_assistant(settings)
embedder = assistant.embedder
spent = {"embed": 0.0}
original = embedder.embed_documents
def embed_documents(texts, progress=None):
    t = time.perf_counter()
    try:
        return original(texts, progress)
    finally:
        spent["embed"] += time.perf_counter() - t
embedder.embed_documents = embed_documents
embedder.embed_query("warm-up")
loaded = time.perf_counter()
report = assistant.ingest([Path(sys.argv[2])])
done = time.perf_counter()
print(json.dumps({"import": imported - started, "load": loaded - imported,
                  "embed": spent["embed"], "rest": done - loaded - spent["embed"],
                  "precision": getattr(embedder, "precision", "fp32"),
                  "backend": type(embedder).__name__}))
"""


def phases(reports: Path, index: Path, env: dict[str, str]) -> dict:
    _, _, out = timed([sys.executable, "-c", PHASES, str(index), str(reports)],
                      {**env, "PYTHONPATH": str(ROOT)})
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--runs", type=int, default=3, help="runs of each pipeline")
    args = parser.parse_args()
    ours: list[tuple[float, float, int]] = []
    theirs: list[tuple[float, float, int]] = []
    # ours with the model loaded in this process, as before the helper process (the
    # helper reads it while the reports are parsed: `vectorstore/embed_worker.py`)
    alone: list[tuple[float, float, int]] = []
    runs = {"ours": ours, "theirs": theirs, "alone": alone}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for run in range(args.runs):  # alternate, so drift on a shared machine hits all
            order = ("ours", "alone", "theirs")
            for name in (order if run % 2 == 0 else order[::-1]):
                target = tmp_path / f"{name}-{run}"
                if name == "ours":
                    ours.append(product(REPORTS, target))
                elif name == "alone":
                    alone.append(product(REPORTS, target,
                                         {"ASSISTANT_INGEST_HELPER_PROCESS": "false"}))
                else:
                    theirs.append(langchain(REPORTS, target))
                shutil.rmtree(target, ignore_errors=True)
                print(name, run, runs[name][-1], file=sys.stderr)
        breakdown = {
            label: phases(REPORTS, tmp_path / f"phases-{label}", env)
            for label, env in (
                ("default", {}),
                ("fp32", {"ASSISTANT_EMBEDDING_PRECISION": "fp32"}),
                ("sentence-transformers",
                 {"ASSISTANT_EMBEDDING_BACKEND": "sentence-transformers"}),
            )
        }
        # incremental: an unchanged corpus, then one report changed
        corpus = tmp_path / "corpus"
        shutil.copytree(REPORTS, corpus)
        index = tmp_path / "incremental"
        product(corpus, index)
        unchanged = [product(corpus, index)[0] for _ in range(3)]
        changed_file = corpus / "2013-ilo-labour-migration-evaluation-summary.md"
        changed = []
        for n in range(3):
            with changed_file.open("a", encoding="utf-8") as handle:
                handle.write(f"\n\nAddendum {n}: a paragraph added to change this report.\n")
            changed.append(product(corpus, index)[0])

    med = statistics.median
    ours_s, theirs_s = med(r[0] for r in ours), med(r[0] for r in theirs)
    ratio = ours_s / theirs_s
    mark, title = MARK, "## Ingest: the product against the LangChain tutorial pipeline"
    no_amx = without_amx()
    if no_amx:
        mark, title = NO_AMX_MARK, f"## Ingest without AMX ({no_amx})"
    lines = [
        mark,
        title,
        "",
        f"Cold ingest of `data/reports` (5 reports), each run a new process on an empty index, "
        f"{args.runs} runs each, alternating; medians. Wall time includes interpreter start, "
        "imports and model load. LangChain: `bench/langchain_tutorial.py` "
        "(RecursiveCharacterTextSplitter 1000/200, HuggingFaceEmbeddings, "
        "Chroma.from_documents).",
        "",
        "| pipeline | seconds (median) | all runs | chunks | chunks/s | peak memory |",
        "|---|---|---|---|---|---|",
    ]
    for label, timings in (("ours: `assistant ingest`", ours),
                           ("ours, the model loaded in the same process "
                            "(`ASSISTANT_INGEST_HELPER_PROCESS=false`)", alone),
                           ("LangChain tutorial", theirs)):
        secs = med(r[0] for r in timings)
        chunks = timings[0][2]
        lines.append(
            f"| {label} | {secs:.1f} s | {', '.join(f'{r[0]:.1f}' for r in timings)} | "
            f"{chunks} | {chunks / secs:.1f} | {med(r[1] for r in timings):.0f} MiB |"
        )
    lines += [
        f"| **ratio ours / LangChain** | **{ratio:.2f}** (target ≤ 0.45: "
        f"{'met' if ratio <= 0.45 else 'missed'}) | | | | |",
        "",
        "Where the product's cold ingest goes (one in-process run per embedder setting; "
        "`rest` is parsing, chunking, Chroma and FTS5 writes):",
        "",
        "| embedder | imports | model load + first query (torch import included, except "
        "for fp32, whose first query runs on numpy) | embedding | rest |",
        "|---|---|---|---|---|",
    ]
    for label, phase in breakdown.items():
        name = f"{phase['backend']} {phase['precision']}"
        if label == "default":
            name += " (default)"
        lines.append(
            f"| {name} | {phase['import']:.1f} s | {phase['load']:.1f} s | "
            f"{phase['embed']:.1f} s | {phase['rest']:.1f} s |"
        )
    lines += [
        "",
        "| incremental ingest (whole CLI process, median of 3) | seconds |",
        "|---|---|",
        f"| re-ingest of the unchanged corpus (target ≤ 2 s) | {med(unchanged):.2f} |",
        f"| one report changed (re-chunked and re-embedded) | {med(changed):.2f} |",
        mark,
    ]
    publish(mark, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
