"""docs/data-model.md's item tables agree with the models: every table item class is documented
by its kind, every documented kind is a class, and the literal part of each documented key
(`ORG#` of `ORG#<org>`, `OWNSTAT`) is a key layers/zhtj/table/keys/ makes."""

from __future__ import annotations

import re
from pathlib import Path

import zhtj.registry  # noqa: F401  (every item class)
from zhtj.table.base import Item

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "data-model.md"
KEYS = ROOT / "layers" / "zhtj" / "table" / "keys"


def documented_rows() -> list[tuple[str, str, str]]:
    """(kind, pk, sk) of every row of the doc's item tables (those headed `| kind | pk | sk |`)."""
    rows: list[tuple[str, str, str]] = []
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| kind | pk | sk |"):
            in_table = True
        elif in_table and line.startswith("|") and not line.startswith("|---"):
            # An escaped \| inside a cell is part of the cell.
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            rows.append((cells[0], cells[1], cells[2]))
        elif not line.startswith("|"):
            in_table = False
    return rows


def kind_of(cell: str) -> str | None:
    """The kind a row documents: its first word, if it names a class (not "(powertools ...)")."""
    match = re.match(r"[A-Z][A-Za-z]+\b", cell)
    return match.group(0) if match else None


def item_kinds() -> set[str]:
    """The `kind` of every item class (abstract bases such as PersonFields have none)."""
    discriminator = Item._get_discriminator_attribute()
    found: set[str] = set()
    todo: list[type] = [Item]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if kind := discriminator.get_discriminator(sub):
                found.add(str(kind))
    return found


def literal_parts(cell: str) -> list[str]:
    """The fixed parts of the keys a cell shows: `ORG#<org>` gives ORG#, `LOCK#TREE#<b>`
    LOCK#TREE#, `META` META; a key that starts with a placeholder (`<path>`) gives nothing."""
    parts = []
    for key in re.findall(r"`([^`]+)`", cell):
        fixed = re.split(r"[<=(]", key, maxsplit=1)[0]
        if fixed and re.fullmatch(r"[A-Z][A-Z0-9#_]*", fixed):
            parts.append(fixed)
    return parts


def test_every_item_class_is_documented_and_every_documented_kind_exists() -> None:
    # Given the kinds the doc's item tables list and the item classes of the layer
    documented = {k for cell, _, _ in documented_rows() if (k := kind_of(cell))}
    classes = item_kinds()
    # When they are compared
    undocumented = classes - documented
    unknown = documented - classes
    # Then each side names the same kinds
    assert not undocumented, f"item classes missing from docs/data-model.md's item tables: {sorted(undocumented)}"
    assert not unknown, f"kinds in docs/data-model.md that no item class has: {sorted(unknown)}"


def test_documented_key_prefixes_are_keys_the_code_makes() -> None:
    # Given the source of table/keys/ (every key of the table is made there)
    source = "".join(module.read_text(encoding="utf-8") for module in sorted(KEYS.glob("*.py")))
    # When each documented key's fixed part is looked up in it
    missing = [
        f"{kind_of(cell) or cell}: {part}"
        for cell, pk, sk in documented_rows()
        if kind_of(cell)
        for part in literal_parts(pk) + literal_parts(sk)
        if f'"{part}' not in source
    ]
    # Then every one is there, as the start of a string
    assert not missing, f"documented keys that table/keys/ does not make: {missing}"


def test_the_doc_parser_reads_the_tables() -> None:
    # Given the doc, When its item rows are read, Then the core kinds and their keys are there
    rows = {kind_of(cell): (pk, sk) for cell, pk, sk in documented_rows()}
    assert literal_parts(rows["Org"][0]) == ["ORG#"] and literal_parts(rows["Org"][1]) == ["META"]
    assert literal_parts(rows["Claim"][0]) == ["IDNO#", "DEVNO#"]
    assert len(rows) > 40
