"""The retrieval index: a Chroma collection holding the practices and a company's own documents.

Embedded (`PersistentClient` under COACH_HOME) by default; `chromadb.HttpClient` when
COACH_CHROMA_HOST is set — the scale-out path. Rebuilding is idempotent: records carry a content
hash, unchanged ones are skipped, changed ones upserted, vanished ones deleted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import CoachError, InputError
from assistant.knowledge.practices import Practice, load_practices
from assistant.models import LANGUAGES
from assistant.settings import Settings

DOCUMENT_SUFFIXES = {".md", ".markdown", ".txt"}
CHUNK_CHARS = 1200
MAX_DOCUMENT_BYTES = 5_000_000


@dataclass(frozen=True)
class Record:
    id: str
    document: str
    metadata: dict[str, Any]


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    total: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.total} records: {self.added} added, {self.updated} updated, "
                f"{self.removed} removed, {self.unchanged} unchanged")


def chroma_client(settings: Settings):
    """The Chroma client the settings ask for; an unreachable server is a clear CoachError."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                       settings=chroma_settings)
        except Exception as exc:
            raise CoachError(f"cannot reach Chroma at {settings.chroma_host}:"
                             f"{settings.chroma_port}: {exc}") from exc
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def open_collection(settings: Settings):
    """The practices collection, created on first use with our packaged embedding function."""
    from assistant.knowledge.embeddings import MiniLMInt8EmbeddingFunction

    return chroma_client(settings).get_or_create_collection(
        settings.collection,
        embedding_function=MiniLMInt8EmbeddingFunction(),
        configuration={"hnsw": {"space": "cosine"}},
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def practice_records(practices: list[Practice]) -> list[Record]:
    """One record per practice and language, so each language has its own vector."""
    records = []
    for practice in practices:
        for lang in LANGUAGES:
            text = practice.document_in(lang)
            metadata = {"kind": "practice", "practice_id": practice.id, "lang": lang,
                        "stage": practice.stage.value, "source": practice.ref(lang).source,
                        "title": getattr(practice.title, lang), "hash": _digest(text)}
            records.append(Record(f"practice:{practice.id}:{lang}", text, metadata))
    return records


def _chunks(text: str) -> list[str]:
    """Paragraph-packed chunks of about CHUNK_CHARS characters."""
    chunks, current = [], ""
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if current and len(current) + len(paragraph) > CHUNK_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}".strip() if paragraph else current
        while len(current) > CHUNK_CHARS:
            chunks.append(current[:CHUNK_CHARS])
            current = current[CHUNK_CHARS:]
    return chunks + ([current] if current else [])


def _read_document(path: Path) -> str:
    if path.stat().st_size > MAX_DOCUMENT_BYTES:
        raise InputError(f"{path}: larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB; split it")
    data = path.read_bytes()
    if b"\x00" in data:
        raise InputError(f"{path}: binary file; only markdown and text documents can be added")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; convert it to UTF-8 first") from None


def document_records(path: Path) -> list[Record]:
    """Chunks of one company document, with the file as their source."""
    text = _read_document(path)
    source = str(path.resolve())
    title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.strip()),
                 path.stem)[:200]
    return [Record(f"doc:{_digest(source)}:{n}", chunk,
                   {"kind": "document", "source": source, "title": title, "lang": "",
                    "stage": "", "practice_id": "", "hash": _digest(chunk)})
            for n, chunk in enumerate(_chunks(text)) if chunk.strip()]


def sync(collection, records: list[Record], scope: dict[str, Any]) -> SyncReport:
    """Make the records matching `scope` (a Chroma where-filter) exactly `records`."""
    existing = collection.get(where=scope, include=["metadatas"])
    metadatas = existing["metadatas"] or [{}] * len(existing["ids"])
    old = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], metadatas, strict=True)}
    new_ids = {r.id for r in records}
    report = SyncReport(total=len(records))
    stale = [i for i in old if i not in new_ids]
    if stale:
        collection.delete(ids=stale)
    changed = [r for r in records if old.get(r.id) != r.metadata["hash"]]
    report.removed, report.unchanged = len(stale), len(records) - len(changed)
    report.added = sum(1 for r in changed if r.id not in old)
    report.updated = len(changed) - report.added
    for start in range(0, len(changed), 64):
        batch = changed[start : start + 64]
        collection.upsert(ids=[r.id for r in batch], documents=[r.document for r in batch],
                          metadatas=[r.metadata for r in batch])
    return report


def build_index(settings: Settings) -> SyncReport:
    """(Re)build the practices part of the index from knowledge/; company documents stay."""
    practices = load_practices(settings.practices_dir)
    return sync(open_collection(settings), practice_records(practices), {"kind": "practice"})


def add_documents(settings: Settings, path: Path) -> SyncReport:
    """Add (or refresh) a company's own markdown/text documents, one file or a folder."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    files = sorted(p for p in ([path] if path.is_file() else path.rglob("*"))
                   if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
    if not files:
        raise InputError(f"{path}: no markdown or text documents ({', '.join(DOCUMENT_SUFFIXES)})")
    collection, total = open_collection(settings), SyncReport()
    for file in files:
        try:
            report = sync(collection, document_records(file), {"source": str(file.resolve())})
        except InputError as exc:
            total.errors.append(str(exc))
            continue
        for name in ("added", "updated", "removed", "unchanged", "total"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
    return total
