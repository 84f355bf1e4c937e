"""The document catalog, kept in a small second Chroma collection beside the chunks so that
every process reading the same Chroma (embedded or a server) sees the same documents."""

from __future__ import annotations

from typing import Any

from vectorstore.records import DocumentRecord

CATALOG_COLLECTION = "report_catalog"
_PLACEHOLDER = [1.0]  # Chroma stores a vector per record; the catalog is looked up by id only


class DocumentCatalog:
    """One record per document, keyed by file name (``source``)."""

    def __init__(self, client: Any, name: str = CATALOG_COLLECTION):
        self._client = client
        self.name = name
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._client.get_or_create_collection(
                self.name, embedding_function=None
            )
        return self._collection

    def put(self, record: DocumentRecord) -> None:
        self.put_many([record])

    def put_many(self, records: list[DocumentRecord]) -> None:
        """Write records in one call (one commit)."""
        if not records:
            return
        self.collection.upsert(
            ids=[r.source for r in records],
            embeddings=[_PLACEHOLDER] * len(records),
            metadatas=[_metadata(r) for r in records],
            documents=[""] * len(records),
        )

    def get(self, source: str) -> DocumentRecord | None:
        result = self.collection.get(ids=[source], include=["metadatas"])
        if not result["ids"]:
            return None
        return _record(result["ids"][0], result["metadatas"][0])

    def with_doc_id(self, doc_id: str) -> list[DocumentRecord]:
        """Records whose content hash is ``doc_id`` (a metadata lookup, not a scan)."""
        result = self.collection.get(where={"doc_id": doc_id}, include=["metadatas"])
        return [_record(i, m) for i, m in zip(result["ids"], result["metadatas"], strict=True)]

    def all(self) -> list[DocumentRecord]:
        result = self.collection.get(include=["metadatas"])
        records = [_record(i, m) for i, m in zip(result["ids"], result["metadatas"], strict=True)]
        return sorted(records, key=lambda r: r.source)

    def delete(self, source: str) -> None:
        self.collection.delete(ids=[source])


#: Chroma metadata holds no lists: a record's aliases are stored joined by this.
_ALIAS_JOIN = " | "


def _metadata(record: DocumentRecord) -> dict[str, Any]:
    data = {k: v for k, v in record.to_dict().items() if v is not None and k != "source"}
    data["aliases"] = _ALIAS_JOIN.join(record.aliases)
    return data


def _record(source: str, meta: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord(
        source=source,
        doc_id=str(meta["doc_id"]),
        title=str(meta.get("title") or source),
        year=int(meta["year"]) if meta.get("year") is not None else None,
        kind=meta.get("kind"),
        chunks=int(meta.get("chunks") or 0),
        size_bytes=int(meta.get("size_bytes") or 0),
        format=str(meta.get("format") or ""),
        embedding_model=str(meta.get("embedding_model") or ""),
        ingested_at=str(meta.get("ingested_at") or ""),
        aliases=tuple(a for a in str(meta.get("aliases") or "").split(_ALIAS_JOIN) if a),
    )
