"""zhtj.registry imports every module that defines a table item: a query that meets an item of
another capability in the same partition can decode it only if its class is registered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: the Item subclasses (by module and name) once zhtj.registry alone is
# imported, then once every module under layers/zhtj is.
_PROBE = """
import importlib, json, pkgutil, sys
import zhtj
from zhtj.table.base import Item

def item_classes():
    found, todo = set(), [Item]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("zhtj.") and (sub.__module__, sub.__qualname__) not in found:
                found.add((sub.__module__, sub.__qualname__))
                todo.append(sub)
    return found

importlib.import_module("zhtj.registry")
registered = item_classes()
for info in pkgutil.walk_packages(zhtj.__path__, "zhtj."):
    importlib.import_module(info.name)
print(json.dumps({"registered": sorted(registered), "defined": sorted(item_classes())}))
"""


def test_every_item_class_under_zhtj_is_imported_by_the_registry() -> None:
    # Given a fresh interpreter that imports zhtj.registry and nothing else of zhtj
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers")}
    answer = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True)
    # When every module under layers/zhtj is imported after it
    found = json.loads(answer.stdout)
    registered = {tuple(pair) for pair in found["registered"]}
    defined = {tuple(pair) for pair in found["defined"]}
    # Then no Item subclass appeared that the registry had not already brought in
    missing = sorted(f"{module}.{name}" for module, name in defined - registered)
    assert not missing, f"add their modules to layers/zhtj/registry.py: {missing}"
    assert len(registered) > 30  # the probe really saw the item classes
