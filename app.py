"""Entry point of the main job: build the assistant from settings, bring the index up to date
with the default corpus, then serve it.

Until the chat UI lands, "serve" means an example question answered in the terminal; pass a
question to ask something else: ``python app.py "Who funded the LMPP project?"``.
"""

from __future__ import annotations

import sys

from assistant import Assistant, Settings
from assistant.cli import format_answer
from assistant.errors import EXPECTED_ERRORS

EXAMPLE_QUERY = "What was the budget of the LMPP project and who funded it?"


def main(argv: list[str]) -> int:
    query = " ".join(argv) or EXAMPLE_QUERY
    try:
        settings = Settings.load()
        with Assistant(settings) as assistant:
            report = assistant.ingest()  # a no-op when nothing changed
            if report.failed:
                for failure in report.failed:
                    print(f"FAILED {failure.error}", file=sys.stderr)
            print(f"Index: {report.documents_in_index} reports, {report.chunks_in_index} chunks "
                  f"in {settings.index_dir}\n")
            print(f"Question: {query}\n")
            print(format_answer(assistant.ask(query)))
    except EXPECTED_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
