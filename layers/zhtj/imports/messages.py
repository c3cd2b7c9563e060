"""The imports queue and its message: one chunk of a spreadsheet import's rows (IMPORT-1..2)."""

from __future__ import annotations

from zhtj.table.queues import Message, Queue


class ImportChunk(Message, frozen=True, kw_only=True):
    """Import the chunk of rows starting at sheet row `row`."""

    import_id: str
    row: int


IMPORTS: Queue[ImportChunk] = Queue("imports", ImportChunk)
