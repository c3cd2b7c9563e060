"""Every rule of ../shared/SPEC.md is named by a test that proves it: the rule id, lower-cased
with an underscore (REV-3 → `rev_3`), is a word of some test function's name. Rules whose
capability is not built yet are listed in NOT_BUILT_YET, and leave that list as soon as a test
names them, so the list cannot go stale."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SPEC = TESTS.parents[1] / "shared" / "SPEC.md"

# Every rule is built (each named by a test); a new rule whose capability is not yet built goes here.
NOT_BUILT_YET: frozenset[str] = frozenset()


def rule_ids(spec: str) -> list[str]:
    return sorted(set(re.findall(r"^- ([A-Z]+-\d+)\b", spec, re.MULTILINE)))


def all_test_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                names.add(node.name)
    return names


def named(rule: str, names: set[str]) -> bool:
    word = re.compile(r"(^|_)" + rule.lower().replace("-", "_") + r"(_|$)")
    return any(word.search(name) for name in names)


def test_every_spec_rule_id_is_named_by_a_test() -> None:
    # Given the rule book and every test function's name
    rules = rule_ids(SPEC.read_text(encoding="utf-8"))
    names = all_test_names()
    assert len(rules) > 50  # the parse found the rule book's list items
    # When each rule id is looked for as a word of a test name
    unnamed = {rule for rule in rules if not named(rule, names)}
    # Then only the rules not built yet are missing, and none of those is named already
    assert unnamed - NOT_BUILT_YET == set(), "rules no test names"
    assert NOT_BUILT_YET - unnamed == set(), "named by a test now: remove from NOT_BUILT_YET"
    assert set(rules) >= NOT_BUILT_YET
