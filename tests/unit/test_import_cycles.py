"""No import cycle between zhtj's packages, imports inside functions included: a package that
needs one above it must be turned around (a caller passes what it needs), not imported lazily.
The layer order itself is import-linter's contract (.importlinter, run by ./dev test).

A capability's item classes (models.py) and pure rules (rules.py) count as nodes of their own:
they import only the table's base, core, and other rules and items, so a package below that reads
another's items (the name index reads the Member item) does not depend on its behaviour."""

from __future__ import annotations

from collections import defaultdict

import pytest

# grimp comes with import-linter (requirements/dev.txt); ./dev test installs it.
grimp = pytest.importorskip("grimp")


def package_of(module: str) -> str:
    if module.endswith((".models", ".rules")):
        return module
    return ".".join(module.split(".")[:2])


def package_imports() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> where (module:line), over every import grimp
    sees: top-level, inside functions, under TYPE_CHECKING."""
    graph = grimp.build_graph("zhtj", cache_dir=None)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            pair = (package_of(module), package_of(imported))
            if pair[0] != pair[1]:
                for detail in graph.get_import_details(importer=module, imported=imported):
                    found[pair].append(f"{module}:{detail['line_number']}")
    return found


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan)."""
    successors: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(edges):
        successors[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in successors[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted({a for a, _ in edges} | {b for _, b in edges}):
        if node not in index:
            visit(node)
    return components


def describe(component: list[str], where: dict[tuple[str, str], list[str]]) -> str:
    members = set(component)
    lines = [f"cycle between {', '.join(component)}:"]
    for (a, b), places in sorted(where.items()):
        if a in members and b in members:
            lines.append(f"  {a} -> {b}: {', '.join(sorted(places)[:3])}")
    return "\n".join(lines)


def test_cycles_finds_a_cycle_and_only_it() -> None:
    # Given a -> b -> c -> a, and c -> d
    edges = {("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}
    # When the cycles are searched
    found = cycles(edges)
    # Then the one cycle is found, without d
    assert found == [["a", "b", "c"]]


def test_no_import_cycle_between_zhtj_packages() -> None:
    # Given every import between zhtj's packages (inside functions too)
    where = package_imports()
    # When the cycles among them are searched
    found = cycles(set(where))
    # Then there is none
    assert not found, "\n".join(describe(c, where) for c in found)


def test_item_classes_import_only_the_table_core_rules_and_other_items() -> None:
    # Given every import made by a capability's models module
    where = package_imports()
    # When those reaching past the table's base, core, rules and other item classes are kept
    reaching = {
        (a, b)
        for a, b in where
        if a.endswith(".models")
        and not (b in {"zhtj.table", "zhtj.core"} or b.endswith(".models") or b.split(".")[-1] == "rules")
    }
    # Then there are none: an item class depends on no capability's behaviour
    assert not reaching, reaching
