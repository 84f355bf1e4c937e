"""Whole-process latency of the CLI on a warm index: `assistant ask` and `assistant search`
from launch to exit, in their own process (`--local`) and asking the app that serves the index,
against the interpreter alone and the two imports such a process used to pay (the chromadb
package, torch), measured in the same run.

The index is built first by `assistant ingest` (in the precision this CPU gets); then each
command runs ``--runs`` times, round-robin over the fixed set's first questions. Run it as is on
an AMX CPU (bf16 index), and with ``ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16`` to hold oneDNN off AMX
(fp32 index); each writes its own section. Since 2026-11-30 (night) a command in its own process
embeds its question on numpy either way and reads the index through Chroma's engine, importing
neither torch nor chromadb.

    python -m bench.cli_start [--write] [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.foundation import publish, quantile, without_amx
from bench.servers import app_env, start_app, stop_process, wait_filled
from vectorstore import describe_embedder

ROOT = Path(__file__).resolve().parent.parent
MARK, NO_AMX_MARK = "<!-- cli-start -->", "<!-- cli-start-no-amx -->"


def seconds(args: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True,
                   env={**(env or os.environ), "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    data = yaml.safe_load((ROOT / "eval_questions" / "reports.yaml").read_text())
    questions = [q["question"] for q in data["questions"] if q.get("answerable", True)]
    # The `assistant` command a user types (the console script beside this interpreter), with
    # the project's bytecode compiled first, as Python does on a first run: a sandbox that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile every edited module on every run, and
    # `python -m` compiles the command's own module on every run (it runs as __main__).
    script = Path(sys.executable).with_name("assistant")
    cli = [str(script)] if script.is_file() else [sys.executable, "-m", "assistant.serve.cli"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "assistant", "ingest",
                    "vectorstore"], cwd=ROOT, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        index = str(Path(tmp) / "index")
        # every command runs with the environment the app gets, so that the app's settings
        # are the CLI's and `ask`/`search` may ask it (in-process runs pass --local)
        # (with oneDNN's ISA cap, when one is set: the section without AMX)
        cap = {k: os.environ[k] for k in ("ONEDNN_MAX_CPU_ISA",) if k in os.environ}
        env = app_env(Path(index), **cap)
        seconds([*cli, "--index", index, "ingest", "--quiet"], env)
        app, url = start_app(Path(index), Path(tmp) / "app.log", "--no-ingest", **cap)
        seconds([*cli, "--index", index, "ask", questions[0]], env)  # the app loads its models
        filled = wait_filled(url)  # and embeds the index's sentences in advance
        # Each round asks another question. The app has embedded every sentence of the index
        # in advance and kept the vectors in its folder (`fill_sentence_vectors`), so an `ask`
        # in its own process reads them; the second line keeps none, as on an index that no
        # server has filled and no earlier question touched.
        no_store = {"ASSISTANT_KEEP_SENTENCE_VECTORS": "false"}
        commands: dict[str, Callable[[int], list[str] | tuple[list[str], dict[str, str]]]] = {
            "`assistant ask QUESTION --local` (extractive answer, in this process)": lambda n: [
                *cli, "--index", index, "ask", questions[n % len(questions)], "--local"],
            "`assistant ask QUESTION --local`, no sentence vectors kept": lambda n: ([
                *cli, "--index", index, "ask", questions[n % len(questions)], "--local"],
                no_store),
            "`assistant search QUESTION --local`": lambda n: [
                *cli, "--index", index, "search", questions[n % len(questions)], "--local"],
            "`assistant ask QUESTION`, the app (`make run`) serving the index": lambda n: [
                *cli, "--index", index, "ask", questions[n % len(questions)]],
            "`assistant search QUESTION`, the app serving the index": lambda n: [
                *cli, "--index", index, "search", questions[n % len(questions)]],
            "floor: `python -c pass`": lambda n: [sys.executable, "-c", "pass"],
            "floor: `python -c 'import chromadb'`": lambda n: [
                sys.executable, "-c", "import chromadb"],
            "floor: `python -c 'import torch'`": lambda n: [
                sys.executable, "-c", "import torch"],
            "`assistant --version` (settings, no index)": lambda n: [*cli, "--version"],
        }
        times: dict[str, list[float]] = {label: [] for label in commands}
        try:
            for n in range(args.runs):  # round-robin: load on the machine falls on all alike
                for label, command in commands.items():
                    argv = command(n)
                    if isinstance(argv, tuple):
                        times[label].append(seconds(argv[0], {**env, **argv[1]}))
                    else:
                        times[label].append(seconds(argv, env))
        finally:
            stop_process(app)
        times.update(background_server(cli, index, env, questions, args.runs))
    no_amx = without_amx()
    mark = NO_AMX_MARK if no_amx else MARK
    where = f"Without AMX ({no_amx})" if no_amx else "AMX in use"
    lines = [
        mark,
        f"## CLI start to exit on a warm index ({'without AMX' if no_amx else 'with AMX'})",
        "",
        f"{where}; embedder: {describe_embedder()}. The default corpus indexed once, then each "
        f"command run {args.runs} times round-robin (answerable questions of the fixed set). "
        "Targets: `ask` p50 ≤ 1.0 s, `search` p50 ≤ 0.7 s. Without `--local`, a CLI whose "
        "settings are those of an app serving the same index asks that app "
        "(`assistant/serve/discovery.py`); the app was started once, and had answered once, "
        "before the runs. Then, the app stopped, with `ASSISTANT_CLI_SERVER=on` (what the "
        "default does at a terminal): a first `ask` answers in its own process and starts the "
        "background server (`assistant/serve/background.py`), and the later commands, "
        "round-robin, are answered by it. Each round asks the next question of the set. "
        f"Before the runs, the app embedded every sentence of the index in advance ({filled:.0f} s "
        "after its first answer, on one core at the lowest priority) and kept the vectors in the "
        "index folder (`ASSISTANT_FILL_SENTENCE_VECTORS`, `ASSISTANT_KEEP_SENTENCE_VECTORS`); "
        "the line 'no sentence vectors kept' runs without them, as a question does on an index "
        "that no server has filled.",
        "",
        "| command (whole process) | p50 | p90 | all runs |",
        "|---|---|---|---|",
    ]
    for label, values in times.items():
        lines.append(f"| {label} | {statistics.median(values):.2f} s | "
                     f"{quantile(values, .9):.2f} s | "
                     f"{', '.join(f'{v:.2f}' for v in values)} |")
    lines.append(mark)
    publish(mark, lines, args.write)
    return 0


def background_server(cli: list[str], index: str, env: dict[str, str], questions: list[str],
                      runs: int) -> dict[str, list[float]]:
    """The first `ask` (in process; starts the server), then `ask` and `search` answered by
    the background server it started; the server is stopped at the end."""
    from assistant.serve.discovery import announcements
    from assistant.settings import Settings

    env = {**env, "ASSISTANT_CLI_SERVER": "on"}
    settings = Settings.load(index_dir=Path(index), env={})
    out = {"first `assistant ask QUESTION` (in this process; then starts the background "
           "server)": [seconds([*cli, "--index", index, "ask", questions[0]], env)]}
    deadline = time.monotonic() + 120
    while not any(r.get("background") for r in announcements(settings)):
        if time.monotonic() > deadline:
            raise SystemExit("the background server did not announce itself within 120 s")
        time.sleep(0.2)
    asked = "`assistant ask QUESTION`, answered by the background server"
    searched = "`assistant search QUESTION`, answered by the background server"
    out[asked], out[searched] = [], []
    try:
        seconds([*cli, "--index", index, "ask", questions[1]], env)  # its warm-up is done
        for n in range(runs):
            out[asked].append(seconds([*cli, "--index", index, "ask",
                                       questions[n % len(questions)]], env))
            out[searched].append(seconds([*cli, "--index", index, "search",
                                          questions[n % len(questions)]], env))
    finally:
        seconds([*cli, "--index", index, "serve", "--stop"], env)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
