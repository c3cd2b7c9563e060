"""Build the cloud template: `python -m infra.package [--out build/cloud] [--with-dependencies]`.

Prints the path of template.json; deploy it with `aws cloudformation package` and `deploy`
(docs/deploy.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from infra.template import DEFAULT_OUT, build


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: build/cloud)")
    parser.add_argument("--stage", default="prod", help="Chalice stage to package (default: prod)")
    parser.add_argument(
        "--with-dependencies",
        action="store_true",
        help="pip-install requirements/runtime.txt into the layer (Lambda's platform wheels)",
    )
    args = parser.parse_args(argv)
    print(build(args.stage, args.out, with_dependencies=args.with_dependencies))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
