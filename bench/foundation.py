"""Foundation benchmark: cold ingest, unchanged re-ingest, chunk sizes, retrieval checks by mode
and search latency on the default corpus. Writes a Markdown section to stdout (and to
docs/benchmarks.md with --write).

    python -m bench.foundation [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from assistant import Assistant, Settings, build_assistant

ROOT = Path(__file__).resolve().parents[1]

REPORTS = ROOT / "data" / "reports"
CHECKS = yaml.safe_load((ROOT / "tests/data/retrieval_checks.yaml").read_text())["checks"]
MARK = "<!-- foundation -->"


def norm(text: str) -> str:
    return " ".join(text.split()).lower()


def machine() -> str:
    """CPU model (with AMX when present), cores, memory and Python: enough to compare runs."""
    cpu, amx = platform.machine(), False
    try:
        info = Path("/proc/cpuinfo").read_text(errors="replace")
        names = [line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith("model name")]
        cpu = (names[0] if names else cpu).replace("(R)", "").replace("Processor", "").strip()
        amx = "amx_bf16" in info
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    from vectorstore.bert import onednn_allows_amx

    if amx and not onednn_allows_amx():
        isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
        return (f"{cpu} (AMX, held off: ONEDNN_MAX_CPU_ISA={isa}, emulating a CPU without AMX), "
                f"{os.cpu_count()} CPU{memory}, Python {platform.python_version()}")
    return (f"{cpu}{' (AMX)' if amx else ''}, {os.cpu_count()} CPU{memory}, "
            f"Python {platform.python_version()}")


def without_amx() -> str | None:
    """None where torch's bf16 products reach AMX tiles; else how this run is without them, for
    a section title: a CPU that has none (named), or oneDNN held off an AMX CPU's tiles."""
    from vectorstore.bert import amx_in_use, cpu_has_amx_bf16

    if amx_in_use():
        return None
    if cpu_has_amx_bf16():
        return (f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '')} on the AMX "
                "Xeon: an emulation of a CPU without AMX")
    return f"{machine().split(',')[0]}, which has no AMX"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        settings = Settings.load(index_dir=index, env={})
        started = time.perf_counter()
        with build_assistant(settings) as assistant:
            report = assistant.ingest([REPORTS])
            cold = time.perf_counter() - started
            chunks = all_chunks(assistant)
            tokens = sorted(assistant.embedder.count_tokens(c.embedding_text()) + 2 for c in chunks)
            chars = sorted(len(c.text) for c in chunks)
            modes = {}
            for mode in ("dense", "lexical", "hybrid"):
                hits = 0
                for check in CHECKS:
                    passages = assistant.search(check["question"], k=5, retrieval_mode=mode)
                    hits += any(
                        p.source == check["source"] and norm(check["quote"]) in norm(p.text)
                        for p in passages
                    )
                modes[mode] = hits
            latencies = search_latencies(assistant)
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index)}
        reruns = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "assistant.serve.cli", "ingest", str(REPORTS), "--quiet"],
                check=True, env=env, cwd=ROOT, capture_output=True,
            )
            reruns.append(time.perf_counter() - t)

    q = quantile
    latencies.sort()
    today = date.today().isoformat()
    lines = [
        MARK,
        "## Foundation: ingest and retrieval on the default corpus",
        "",
        f"{today} · {machine()} · `python -m bench.foundation --write` (`make bench`)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| documents / chunks | {report.documents_in_index} / {len(chunks)} |",
        f"| chunk size, word-pieces incl. context header (min / p50 / p95 / max) | "
        f"{tokens[0]} / {q(tokens, .5)} / {q(tokens, .95)} / {tokens[-1]} (window 256) |",
        f"| chunk size, characters (min / p50 / p95 / max) | "
        f"{chars[0]} / {q(chars, .5)} / {q(chars, .95)} / {chars[-1]} |",
        f"| cold ingest, model load included | {cold:.1f} s |",
        f"| re-ingest of the unchanged corpus, whole CLI process (median of 3) | "
        f"{statistics.median(reruns):.2f} s |",
        f"| retrieval checks in top 5, dense only | {modes['dense']}/{len(CHECKS)} |",
        f"| retrieval checks in top 5, lexical only (FTS5 bm25) | "
        f"{modes['lexical']}/{len(CHECKS)} |",
        f"| retrieval checks in top 5, hybrid ({settings.fusion}, dense weight "
        f"{settings.fusion_dense_weight(True)}, second ranking {settings.second_weight}) | "
        f"{modes['hybrid']}/{len(CHECKS)} |",
        f"| hybrid search latency, warm (p50 / p95 of {len(latencies)}) | "
        f"{q(latencies, .5):.1f} / {q(latencies, .95):.1f} ms |",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


def all_chunks(assistant: Assistant) -> list:
    """Every chunk of every catalogued document, as stored in Chroma."""
    return [c for r in assistant.documents() for c in assistant.index.dense.doc_chunks(r.doc_id)]


def search_latencies(assistant: Assistant, rounds: int = 3) -> list[float]:
    """Warm hybrid search latencies (ms) over the retrieval checks, ``rounds`` times each."""
    assistant.search("warm-up", k=5)
    latencies = []
    for check in CHECKS * rounds:
        started = time.perf_counter()
        assistant.search(check["question"], k=5)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def publish(mark: str, lines: list[str], write: bool) -> None:
    """Print a section; with ``write``, put it in docs/benchmarks.md too. Every table row gets
    date, machine and command columns, unless its table already has them."""
    command = f"`python -m bench.{Path(sys.argv[0]).stem} --write`"
    section = "\n".join(stamp_tables(lines, date.today().isoformat(), machine(), command))
    print(section)
    if write:
        write_section(mark, section)


def stamp_tables(lines: list[str], day: str, where: str, command: str) -> list[str]:
    out: list[str] = []
    in_table = stamped = False
    for line in lines:
        if line.startswith("|"):
            if not in_table:  # a header row
                in_table, stamped = True, "| date |" in line
                extra = " date | machine | command |"
            elif set(line.replace("|", "").strip()) <= {"-", ":"}:
                extra = "---|---|---|"
            else:
                extra = f" {day} | {where} | {command} |"
            out.append(line if stamped else line + extra)
        else:
            in_table = False
            out.append(line)
    return out


def quantile(values: list, p: float) -> float:
    """The value at share ``p`` of the sorted values (nearest rank)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def write_section(mark: str, section: str) -> None:
    """Replace the section between two ``mark`` lines of docs/benchmarks.md (or append it)."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if mark in text:
        head, _, rest = text.partition(mark)
        _, _, tail = rest.partition(mark)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    raise SystemExit(main())
