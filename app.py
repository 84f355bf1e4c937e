"""Entry point of the main job: build the assistant from settings, bring the index up to date
with the default corpus, then serve it.

Until the chat UI lands, "serve" means an example search printed to the terminal; pass a query
to search for something else: ``python app.py "recommendations on statistics"``.
"""

from __future__ import annotations

import sys

from assistant import Assistant, Settings
from assistant.errors import EXPECTED_ERRORS

EXAMPLE_QUERY = "What did the 2013 evaluation recommend on labour migration statistics?"


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
            print(f"Search: {query}\n")
            for p in assistant.search(query, k=3):
                page = f"p. {p.page}, " if p.page else ""
                print(f"[{p.rank}] {p.title} ({p.year}) · {p.source}\n    {page}{p.section}")
                print(f"    {p.text[:300].replace(chr(10), ' ')}…\n")
    except EXPECTED_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
