"""Table items of imports: Import, ImportChunk."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from zhtj.table.base import Item


class Import(Item, discriminator="Import"):
    """IMPORT-1/2, a bulk entry (批量录入) of members from an xlsx: pk IMPORT#<id>, sk META;
    gsi1 IMPORTS#<org> / <created>#<id> (an organisation's imports, in time order).

    Progress is counted in sheet rows: `next_row` is the first row of the next chunk, and it
    advances only together with the chunk's outcomes (ImportChunk), in one transaction."""

    import_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    file_name = UnicodeAttribute(null=True)
    upload_key = UnicodeAttribute()
    upload_etag = UnicodeAttribute(null=True)  # the uploaded file as started: a replaced file is refused
    state = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    started_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    rows_total = NumberAttribute(null=True)
    last_row = NumberAttribute(null=True)
    next_row = NumberAttribute(default=2)
    rows_done = NumberAttribute(default=0)
    rows_good = NumberAttribute(default=0)
    rows_bad = NumberAttribute(default=0)
    report_key = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)


class ImportChunk(Item, discriminator="ImportChunk"):
    """The outcomes of one chunk of an import's rows (the ID numbers masked): pk IMPORT#<id>,
    sk CHUNK#<first row>. Read back in order to write the report; expire by TTL afterwards."""

    first_row = NumberAttribute()
    next_row = NumberAttribute()
    outcomes = UnicodeAttribute()  # JSON: a list of RowOutcome.to_list()
