"""Thirteen fixes to moto (the embedded AWS) so that it behaves like the service it stands in for.

1. Requests are atomic. moto's server answers requests on many threads but its DynamoDB
backend has no lock: two concurrent conditional writes can both pass their condition (two
approvers would both win), and a query can iterate a table while a write changes it.
`apply()` puts every DynamoDB operation behind one lock, as DynamoDB's own isolation would.
The stream's reads take the same lock: moto applies a transaction's actions one by one (each
appending its stream record) and cancels it afterwards by cutting those records off again, so a
read between the two handed out records of a change that never happened, and the records of the
next write then took their sequence numbers, behind the reader's position (the statistics
counted a phantom approval and missed a real one).

2. Transactions cost what DynamoDB's cost.
moto's TransactWriteItems deep-copies the whole table once per action of the transaction,
as its rollback snapshot: a write costs O(actions x table size), seconds per request once
the demo data is loaded. DynamoDB's cost does not grow with the table. `apply()` keeps
moto's semantics (all or nothing, the same errors) but snapshots only the items the
transaction touches, and restores exactly those (and the stream) when it is cancelled.
Applied by the local stack and the test suite; tests/integration/local/test_moto_patches.py
checks the rollback.

3. A query costs what it reads. moto answers every Query, on the table or on a global secondary
index, by walking the whole table: at the enrolment peak's size (tens of thousands of items) a
query costs tens of milliseconds under the lock above, and the timer sweep's 56 queries a
minute stall every other request. `apply()` hands moto's own query code only the items that
can match: the key's partition, or, for a GSI, the items filed under the index's key value.
moto then filters, sorts and pages them exactly as before, so the answer is the same; the
file of a GSI is a superset kept by every write (stale entries are dropped when a query meets
them) and is rebuilt after any write it cannot follow (PartiQL, table changes).

4. moto's server looked its list of service modules up on disk (a directory listing and a
stat per module) for every request, holding the lock that all requests pass; it is read once.

5. Answers cost what they carry. moto writes each DynamoDB attribute value of an answer
through its generic, model-driven serializer: ten member look-ups (with alias guessing) per
value, about half of all the time moto spends on DynamoDB. An attribute value that is
already in wire form (plain dicts, lists and strings: every type but binary) is written as it
is, which is what the serializer would have produced; anything else takes moto's path. And
the list of a response class's methods, which moto recomputed with inspect on every request,
is computed once per class.

6. Sending and receiving do not count the queue. moto computes every attribute of a queue,
three of which (the approximate counts) walk all of its messages, each time it sends a
message (to read ContentBasedDeduplication) and for each message it hands out (to read
MessageRetentionPeriod): with thousands of messages queued, a burst costs O(n^2). Inside
those operations, which never read the counts, the counts are not computed (and a message's
retention is checked against the queue's retention period itself); GetQueueAttributes
counts as before.

7. An item is sized once. moto checks DynamoDB's 400 KB item limit as it builds an item, by
summing the sizes of all the attributes set so far each time it sets one: O(attributes^2) per
write, most of the time moto spends writing a registration (about 25 attributes). The item
is now sized once, when built, against the same limit with the same error; updates are
checked as before.

8. A condition is parsed once. moto parses every condition expression of every write (twice:
to validate the request, then to evaluate it), with a tokenizer and parser in Python: a fifth
of a transaction's time. The parse of an expression with its names and values is kept (the
tree it gives is evaluated against each item, never changed) with the names and values it
found, which moto checks for unused ones as before; an invalid expression is not kept and
fails as it did.

9. Requests are read as they come. moto reads every DynamoDB request body through its generic,
model-driven parser, which walks each attribute value against the ten members of the
AttributeValue shape to rebuild what json.loads already gave: about a quarter of moto's time
on a transaction of registrations. An attribute value (or a map of them: an item, expression
values) that is already in wire form (every type but binary, which the parser base64-decodes)
is taken as it is; anything else takes moto's path. Generic: every write and read by key profits, per attribute (a
three-attribute PutItem a little, a 25-attribute registration much).

10. A stream record is sized when it is read. moto measures every stream record as it writes
it (SizeBytes: the JSON of the record, dumped whole), for every item written, on a table with
a stream; nothing reads most of them before they are cut (a cancelled transaction) or ever.
The record is built as moto builds it, SizeBytes left at 1, and measured the same way (that
JSON, with SizeBytes 1 in it) the first time it is read (`to_json`: GetRecords, a Lambda
mapping). Generic: every item written pays it, PutItem's too.

11. An attribute value's common cases first. moto builds an attribute value (DynamoType) by
listing its dict twice to read its one key and value, and sizes or compares a string through
five type tests; a plain dict is read directly and a string sized (its UTF-8 length) and cast
(itself) directly; everything else goes through moto's own code. Generic: every item built,
keyed, sized or compared, by any operation.

12. A key's alias is looked up, not reported missing. moto's KMS builds the error for an alias
that does not exist (its message, its XML body) before it looks the alias up, on every request
that names a key by alias (GenerateMac, Sign, Decrypt...): a tenth of a GenerateMac. The error is
built, the same, only when the alias is missing.

13. A deleted message takes no other with it. moto deletes a message by rebuilding its queue's
list of messages without it, outside the lock its sends append under: a message sent by another
thread between the two (the API queueing a registration while the runner deletes the ones it
handled) was dropped with the rebuilt list, never delivered (3 of 2,000 registrations in the
burst test, now and then). The delete takes the queue's lock.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
import types
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend, dynamo_type
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

_APPLIED = False
_WRITE_LOCK = threading.RLock()
_OPERATIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "get_item",
    "query",
    "scan",
    "batch_get_item",
    "transact_get_items",
)
_STREAM_OPERATIONS = ("describe_stream", "get_shard_iterator", "get_records", "list_streams")


def _no_table_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    # The table itself is not copied: the wrapper below snapshots the touched items instead.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _touched(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Table, Any, Any, Any]]:
    snapshots = []
    for entry in transact_items:
        operation = next(iter(entry.values()))
        table = backend.tables.get(operation.get("TableName", ""))
        key = operation.get("Key") or operation.get("Item")
        if table is None or not key or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        existing = table.get_item(hash_value, range_value)
        snapshots.append((table, hash_value, range_value, copy.deepcopy(existing)))
    return snapshots


def _restore(snapshots: list[tuple[Table, Any, Any, Any]], stream_lengths: dict[int, int]) -> None:
    for table, hash_value, range_value, item in reversed(snapshots):
        if item is None:
            if table.get_item(hash_value, range_value) is not None:
                table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item
        if table.stream_shard is not None:
            del table.stream_shard.items[stream_lengths[id(table)] :]


def apply() -> None:
    """Install the fix (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    # moto's module imports `copy` without exporting it: replaced on purpose, for that module only.
    dynamodb_models.copy = types.SimpleNamespace(deepcopy=_no_table_copy, copy=copy.copy)  # type: ignore[attr-defined,assignment]
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots = _touched(self, transact_items)
        stream_lengths = {id(t): len(t.stream_shard.items) for t, *_ in snapshots if t.stream_shard is not None}
        try:
            original(self, transact_items)
        except Exception:
            _restore(snapshots, stream_lengths)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _index_partitions()
    for name in _OPERATIONS:
        setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
    for name in _STREAM_OPERATIONS:
        setattr(DynamoDBStreamsBackend, name, _serialized(getattr(DynamoDBStreamsBackend, name)))
    _read_module_list_once()
    _write_wire_values_as_they_are()
    _sqs_without_counting()
    _size_items_once()
    _parse_conditions_once()
    _read_wire_values_as_they_are()
    _size_stream_records_when_read()
    _attribute_values_by_their_type()
    _kms_aliases_checked_lazily()
    _sqs_deletes_under_the_queues_lock()
    _APPLIED = True


def _serialized(method: Any) -> Any:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            return method(*args, **kwargs)

    return locked


# --- 3. A query reads its partition -----------------------------------------------------------

# On a Table: GSI name -> {index hash value: {(item hash key, item range key): None}}.
_FILES = "_zhtj_gsi_files"
# Backend methods that change items or indexes in ways the file does not follow: it is dropped.
_UNFOLLOWED_WRITES = (
    "execute_statement",
    "execute_transaction",
    "batch_execute_statement",
    "update_table",
    "update_table_global_indexes",
    "delete_table",
)


def _gsi_hash_attribute(table: Table, index_name: str) -> str | None:
    for index in table.global_indexes:
        if index.name == index_name:
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            return hashes[0] if len(hashes) == 1 else None
    return None


def _stored(table: Table, hash_value: Any, range_value: Any) -> Any:
    partition = dict.get(table.items, hash_value)  # items is a defaultdict: .get adds nothing
    if partition is None or not table.range_key_attr:
        return partition
    return partition.get(range_value)


def _gsi_file(table: Table, index_name: str, attribute: str) -> dict[Any, dict[tuple[Any, Any], None]]:
    files: dict[str, dict[Any, dict[tuple[Any, Any], None]]] = table.__dict__.setdefault(_FILES, {})
    file = files.get(index_name)
    if file is None:
        file = files[index_name] = {}
        for item in table.all_items():
            value = item.attrs.get(attribute)
            if value is not None:
                file.setdefault(value, {})[(item.hash_key, item.range_key)] = None
    return file


def _file_item(table: Table, hash_value: Any, range_value: Any) -> None:
    """After a write: file the item's current index values (the old ones go when met)."""
    files = table.__dict__.get(_FILES)
    if not files:
        return
    item = _stored(table, hash_value, range_value)
    if item is None:
        return
    for index_name, file in files.items():
        attribute = _gsi_hash_attribute(table, index_name)
        value = item.attrs.get(attribute) if attribute else None
        if value is not None:
            file.setdefault(value, {})[(item.hash_key, item.range_key)] = None


def _candidates(table: Table, arguments: dict[str, Any]) -> list[Any] | None:
    """The items a query can match (None: moto walks the whole table, as it did)."""
    index_name = arguments.get("index_name")
    if not index_name:
        hash_value = arguments.get("hash_key")
        if hash_value is None:
            return None
        partition = dict.get(table.items, hash_value)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    attribute = _gsi_hash_attribute(table, index_name)
    conditions = dict(arguments.get("hash_key_conditions") or [])
    if attribute is None or set(conditions) != {attribute}:
        return None
    value = conditions[attribute]
    file = _gsi_file(table, index_name, attribute)
    entries = file.get(value)
    if not entries:
        return []
    found = []
    for key in list(entries):
        item = _stored(table, *key)
        current = item.attrs.get(attribute) if item is not None else None
        if current is None or current != value:
            del entries[key]  # deleted, or moved to another value since it was filed
            continue
        found.append(item)
    if not entries:
        del file[value]
    return found


def _index_partitions() -> None:
    query = Table.query
    signature = inspect.signature(query)

    @functools.wraps(query)
    def partition_query(self: Table, *args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            candidates = _candidates(self, signature.bind(self, *args, **kwargs).arguments)
            if candidates is None:
                return query(self, *args, **kwargs)
            # moto's query, on the candidates instead of every item of the table.
            self.all_items = lambda: candidates  # type: ignore[method-assign]
            try:
                return query(self, *args, **kwargs)
            finally:
                del self.all_items

    Table.query = partition_query  # type: ignore[method-assign]

    def filing(method: Any, key_argument: str) -> Any:
        @functools.wraps(method)
        def write(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, table_name, *args, **kwargs)
            finally:
                table = self.tables.get(table_name)
                key = kwargs.get(key_argument, args[0] if args else None)
                if table is not None and isinstance(key, dict) and table.hash_key_attr in key:
                    range_value = key.get(table.range_key_attr) if table.range_key_attr else None
                    _file_item(
                        table, DynamoType(key[table.hash_key_attr]), DynamoType(range_value) if range_value else None
                    )

        return write

    # Transactions and batch writes go through these two as well.
    DynamoDBBackend.put_item = filing(DynamoDBBackend.put_item, "item_attrs")  # type: ignore[method-assign]
    DynamoDBBackend.update_item = filing(DynamoDBBackend.update_item, "key")  # type: ignore[method-assign]
    for name in _UNFOLLOWED_WRITES:
        setattr(DynamoDBBackend, name, _dropping_files(getattr(DynamoDBBackend, name)))


def _dropping_files(method: Any) -> Any:
    @functools.wraps(method)
    def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            try:
                return method(self, *args, **kwargs)
            finally:
                for table in self.tables.values():
                    table.__dict__.pop(_FILES, None)

    return write


# --- 4. The server's module list, read once ---------------------------------------------------


def _read_module_list_once() -> None:
    import moto.backends as backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


# --- 5. Attribute values already in wire form are written as they are -------------------------

_SCALARS: dict[str, type] = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


def _in_wire_form(value: Any) -> bool:
    """An AttributeValue made of plain JSON values only (binary needs the serializer's base64)."""
    if type(value) is not dict or len(value) != 1:
        return False
    ((kind, inner),) = value.items()
    scalar = _SCALARS.get(kind)
    if scalar is not None:
        return type(inner) is scalar
    if kind in ("SS", "NS"):
        return type(inner) is list and all(type(v) is str for v in inner)
    if kind == "M":
        return type(inner) is dict and all(type(k) is str and _in_wire_form(v) for k, v in inner.items())
    if kind == "L":
        return type(inner) is list and all(_in_wire_form(v) for v in inner)
    return False


def _write_wire_values_as_they_are() -> None:
    import moto.core.responses as responses
    from moto.core.serialize import BaseJSONSerializer

    structure = BaseJSONSerializer._serialize_type_structure

    @functools.wraps(structure)
    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and _in_wire_form(value):
            self._default_serialize(serialized, value, shape, key)
        else:
            structure(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]
    # Read with `in` only; a class's methods do not change while moto serves.
    # Imported there from moto.utilities, not exported: replaced on purpose, where responses look it up.
    responses.method_names_from_class = functools.lru_cache(maxsize=None)(responses.method_names_from_class)  # type: ignore[attr-defined]


# --- 6. SQS: sending and receiving do not count the queue --------------------------------------

_not_counting = threading.local()
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


def _sqs_without_counting() -> None:
    from moto.core.utils import unix_time
    from moto.sqs.models import Queue, SQSBackend

    def counted(walk: Any) -> property:
        def count(self: Any) -> Any:
            # Read by no operation wrapped below: 0 stands in for a count nobody looks at.
            return 0 if getattr(_not_counting, "active", False) else walk(self)

        return property(count)

    def not_counting(method: Any) -> Any:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            outer = getattr(_not_counting, "active", False)
            _not_counting.active = True
            try:
                return method(*args, **kwargs)
            finally:
                _not_counting.active = outer

        return call

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        # moto's own reads the one attribute through GetQueueAttributes: every attribute of the
        # queue built (and read three times) for each message handed out.
        retention_period = self.get_queue(queue_name).message_retention_period
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    for name in _COUNTS:
        setattr(Queue, name, counted(getattr(Queue, name).fget))
    for name in ("send_message", "send_message_batch"):
        setattr(SQSBackend, name, not_counting(getattr(SQSBackend, name)))
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


# --- 7. An item is sized once ------------------------------------------------------------------


def _size_items_once() -> None:
    def built(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        # moto's own check, made once: the sizes of every name and value (its limit, 405000).
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = dynamo_type.LimitedSizeDict(values)  # its __init__ copies without re-sizing

    dynamo_type.Item.__init__ = built  # type: ignore[method-assign]


# --- 8. A condition is parsed once ---------------------------------------------------------------

_PARSED_LIMIT = 4096


def _parse_conditions_once() -> None:
    original = ConditionExpressionParser.parse
    parsed: dict[tuple[str, str, str], tuple[Any, list[str], list[str]]] = {}
    lock = threading.Lock()

    def parse(self: ConditionExpressionParser) -> Any:
        # The request's own text of its names and values (plain strings, dicts and lists).
        key = (
            self.condition_expression or "",
            repr(self.expression_attribute_names),
            repr(self.expression_attribute_values),
        )
        with lock:
            known = parsed.get(key)
        if known is None:
            tree = original(self)
            with lock:
                if len(parsed) >= _PARSED_LIMIT:
                    parsed.clear()
                parsed[key] = (tree, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            return tree
        tree, names, values = known
        self.expr_attr_names_found.extend(names)
        self.expr_attr_values_found.extend(values)
        return tree

    ConditionExpressionParser.parse = parse  # type: ignore[method-assign]


# --- 9. Attribute values already in wire form are read as they are -------------------------------


def _read_wire_values_as_they_are() -> None:
    from moto.core.parse import BaseJSONParser

    structure = BaseJSONParser._parse_structure
    mapping = BaseJSONParser._parse_map

    @functools.wraps(structure)
    def parse_structure(self: Any, shape: Any, value: Any) -> Any:
        if shape.name == "AttributeValue" and self.MAP_TYPE is dict and _in_wire_form(value):
            return value
        return structure(self, shape, value)  # type: ignore[no-untyped-call]

    @functools.wraps(mapping)
    def parse_map(self: Any, shape: Any, value: Any) -> Any:
        # An item, or expression values: a map of attribute values, each as moto's walk returns it.
        if (
            shape.value.name == "AttributeValue"
            and self.MAP_TYPE is dict
            and type(value) is dict
            and all(type(k) is str and _in_wire_form(v) for k, v in value.items())
        ):
            return dict(value)
        return mapping(self, shape, value)  # type: ignore[no-untyped-call]

    BaseJSONParser._parse_structure = parse_structure  # type: ignore[method-assign]
    BaseJSONParser._parse_map = parse_map  # type: ignore[method-assign]


# --- 10. A stream record is sized when it is read ------------------------------------------------


def _size_stream_records_when_read() -> None:
    from moto.core.utils import utcnow
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.moto_api._internal import mock_random

    record_class = table_module.StreamRecord

    def built(self: Any, table: Table, stream_type: str, event_name: str, old: Any, new: Any, seq: int) -> None:
        # moto's own record (moto 5.2), but for SizeBytes: left 1 until `to_json` measures it.
        old_a = old.to_json()["Attributes"] if old is not None else {}
        new_a = new.to_json()["Attributes"] if new is not None else {}
        rec = old if old is not None else new
        keys = {table.hash_key_attr: rec.hash_key.to_json()}
        if table.range_key_attr is not None and rec is not None:
            keys[table.range_key_attr] = rec.range_key.to_json()
        self.record = {
            "eventID": mock_random.uuid4().hex,
            "eventName": event_name,
            "eventSource": "aws:dynamodb",
            "eventVersion": "1.0",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "StreamViewType": stream_type,
                "ApproximateCreationDateTime": utcnow(),
                "SequenceNumber": str(seq),
                "SizeBytes": 1,
                "Keys": keys,
            },
        }
        if stream_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
            self.record["dynamodb"]["NewImage"] = new_a
        if stream_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
            self.record["dynamodb"]["OldImage"] = old_a
        self.unsized = True

    def to_json(self: Any) -> dict[str, Any]:
        if self.__dict__.pop("unsized", False):
            # moto's measure, of the record as moto measured it (SizeBytes 1 within it).
            self.record["dynamodb"]["SizeBytes"] = len(dynamo_json_dump(self.record["dynamodb"]))
        return self.record  # type: ignore[no-any-return]

    record_class.__init__ = built  # type: ignore[method-assign]
    record_class.to_json = to_json  # type: ignore[method-assign]


# --- 11. An attribute value's common cases first ------------------------------------------------


def _attribute_values_by_their_type() -> None:
    init, size, cast = DynamoType.__init__, DynamoType.size, DynamoType.cast_value.fget  # type: ignore[attr-defined]

    def built(self: DynamoType, type_as_dict: Any) -> None:
        # moto's own, without building two lists to read the one key and value of a dict.
        if type(type_as_dict) is not dict or len(type_as_dict) != 1:
            init(self, type_as_dict)
            return
        ((kind, value),) = type_as_dict.items()
        self.type = kind
        if kind == "L":
            value = [DynamoType(v) for v in value]
        elif kind == "M":
            value = {k: DynamoType(v) for k, v in value.items()}
        self.value = value

    def sized(self: DynamoType) -> int:
        # A string is its UTF-8 length; anything else is sized by moto's own walk.
        if self.type == "S" and type(self.value) is str:
            return bytesize(self.value)
        return size(self)

    def cast_value(self: DynamoType) -> Any:
        if self.type == "S":
            return self.value
        return cast(self)

    DynamoType.__init__ = built  # type: ignore[method-assign]
    DynamoType.size = sized  # type: ignore[method-assign]
    DynamoType.cast_value = property(cast_value)  # type: ignore[method-assign,assignment]


# --- 12. KMS: an alias's error built only when it is missing ----------------------------------------


def _kms_aliases_checked_lazily() -> None:
    from moto.kms.exceptions import NotFoundException
    from moto.kms.responses import KmsResponse

    def validate_alias(self: KmsResponse, key_id: str) -> None:
        # moto's own check (moto 5.2), its error made when it is raised.
        is_arn = key_id.startswith("arn:") and ":alias/" in key_id
        if (is_arn or key_id.startswith("alias/")) and self.kms_backend.get_key_id_from_alias(
            self.kms_backend.get_alias_name(key_id)
        ) is not None:
            return
        raise NotFoundException(f"Alias {self._display_arn(key_id)} is not found.")

    KmsResponse._validate_alias = validate_alias  # type: ignore[method-assign]


# --- 13. SQS: a delete under the queue's lock -----------------------------------------------------


def _sqs_deletes_under_the_queues_lock() -> None:
    from moto.sqs.models import Queue

    delete = Queue.delete_message

    @functools.wraps(delete)
    def locked(self: Any, receipt_handle: str) -> None:
        with self._messages_lock:  # what add_message appends under (a re-entrant Condition)
            delete(self, receipt_handle)

    Queue.delete_message = locked  # type: ignore[method-assign]
