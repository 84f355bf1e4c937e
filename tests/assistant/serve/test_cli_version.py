"""`assistant --version`: the version and the embedder this CPU runs, without an index."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import ROOT


def version(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("ASSISTANT_") and k != "ONEDNN_MAX_CPU_ISA"}
    done = subprocess.run([sys.executable, "-m", "assistant.serve.cli", "--version"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env=clean | env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_version_names_the_embedder_and_its_precision_with_the_reason():
    first, second, third = version().splitlines()
    assert first.startswith("assistant ")
    assert second.startswith("embedder: all-MiniLM-L6-v2 · native · ")
    assert third.startswith("answer sentences scored with: multilingual-e5-small · native · ")
    same = version(ASSISTANT_ANSWER_EMBEDDING_MODEL="index").splitlines()[2]
    assert same == "answer sentences scored with: all-MiniLM-L6-v2 (the index's)"
    assert second.split(" · ")[2].split(":")[0] in ("bf16", "fp32")
    # oneDNN held below avx512_bf16: fp32 on any CPU; questions are embedded without torch
    # whatever the precision
    capped = version(ONEDNN_MAX_CPU_ISA="AVX2").splitlines()[1]
    assert " · fp32: " in capped and "numpy" in capped
    forced = version(ASSISTANT_EMBEDDING_PRECISION="bf16").splitlines()[1]
    assert " · bf16: set by ASSISTANT_EMBEDDING_PRECISION=bf16; " in forced
    assert forced.endswith("questions and answer sentences in fp32: numpy in a process of its own, "
                           "torch once a server has warmed up")
    # the settings' model decides the backend: a folder that is not a BERT goes elsewhere
    other = version(ASSISTANT_EMBEDDING_MODEL=str(ROOT / "tests")).splitlines()[1]
    assert other.endswith(" · sentence-transformers · fp32")
