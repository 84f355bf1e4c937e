"""Public names of a package imported on first use (PEP 562).

A package's ``__init__`` lists where each of its names lives and takes ``__getattr__`` and
``__dir__`` from :func:`lazy`: ``from vectorstore import Hit`` then imports only
``vectorstore.dense``, and importing one light module of the package (its errors, the settings)
no longer loads numpy, Chroma or the answering pipeline with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy(
    package: str, homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names live in the modules
    that ``homes`` gives (name -> module)."""
    namespace = import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value  # once found, an ordinary attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
