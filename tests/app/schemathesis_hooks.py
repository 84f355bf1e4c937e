"""Schemathesis hooks for the API run (``SCHEMATHESIS_HOOKS``): PDF and Word parts are sent
as bytes."""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.serializer(
    "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
def pdf_bytes(ctx: Any, value: Any) -> bytes:
    """A generated file part as raw bytes (random bytes: the API must say they are no PDF)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")
