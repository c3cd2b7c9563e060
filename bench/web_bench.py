"""The web apps (WEB-1..3, issue 16): what each app's first screen downloads, and Lighthouse.

- first load: each app built by Vite (the project's own configs) with its manifest into a scratch
  folder; the gzipped JavaScript and CSS of the entry and of every chunk it imports statically
  (what the browser fetches before anything runs), then of the first screen a signed-out visitor
  sees (the entry + the sign-in page's chunk and its static imports), and for the console the
  first screen after signing in (the layout and the work list). The baseline, built by the same
  Vite in the same run: Vue + vue-router with one page and nothing else.
- Lighthouse (npm `lighthouse`, pinned in web/package.json; desktop preset; performance and
  accessibility) run with Debian's chromium (CHROME_PATH) against the two sign-in pages of a
  local stack started here, as the other parts start theirs. The local stack serves the build
  of `python -m infra.web build` (web/dist), gzipped as CloudFront serves it.

    .venv/bin/python -m bench.web_bench [--no-lighthouse]
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra import web

VITE = web.WEB / "node_modules" / "vite" / "bin" / "vite.js"
LIGHTHOUSE = web.WEB / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = Path("/usr/bin/chromium")
# The first screens measured, as source paths in each app's manifest (relative to the app's root).
SCREENS = {
    "member": {"sign-in": ["src/pages/SignIn.vue"]},
    "console": {"sign-in": ["src/pages/SignIn.vue"], "work list (signed in)": ["src/Layout.vue", "src/pages/Home.vue"]},
}
PAGES = {"member": "/m/sign-in", "console": "/console/sign-in"}

# Vue and the router with one page (and the apps' Vue plugin): the least a single-page app of this stack downloads.
BASELINE_MAIN = """\
import { createApp, h } from "vue";
import { createRouter, createWebHistory, RouterView } from "vue-router";
const Page = { render: () => h("h1", "登录") };
const router = createRouter({ history: createWebHistory("/"), routes: [{ path: "/:rest(.*)*", component: Page }] });
createApp({ render: () => h(RouterView) }).use(router).mount("#app");
"""
BASELINE_CONFIG = 'import vue from "@vitejs/plugin-vue";\nexport default { plugins: [vue()] };\n'
BASELINE_HTML = '<!doctype html><html lang="zh-CN"><body><div id="app"></div><script type="module" src="./main.js"></script></body></html>\n'


def _node_env() -> dict[str, str]:
    env = {**os.environ, "PATH": f"{web.NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("npm_config_nodedir", None)
    return env


def _vite_build(args: list[str]) -> None:
    subprocess.run(
        [str(web.NODE), str(VITE), "build", *args, "--logLevel", "error", "--manifest"],
        cwd=web.WEB,
        env=_node_env(),
        check=True,
        capture_output=True,
    )


def _gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def first_load(manifest: dict[str, Any], out: Path, roots: list[str]) -> dict[str, Any]:
    """The files fetched before `roots` run: each root's chunk, its static imports (transitively)
    and their CSS; gzipped KB of JavaScript and of CSS."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        pending += manifest[key].get("imports", [])
    js = {manifest[key]["file"] for key in seen}
    css = {file for key in seen for file in manifest[key].get("css", [])}
    js_bytes = sum(_gzipped(out / file) for file in js)
    css_bytes = sum(_gzipped(out / file) for file in css)
    return {
        "files": len(js) + len(css),
        "js_kb": round(js_bytes / 1024, 1),
        "css_kb": round(css_bytes / 1024, 1),
        "total_kb": round((js_bytes + css_bytes) / 1024, 1),
    }


def _entry(manifest: dict[str, Any]) -> str:
    return next(key for key, chunk in manifest.items() if chunk.get("isEntry"))


def bundle_sizes() -> dict[str, Any]:
    web.install()
    scratch = Path(tempfile.mkdtemp(prefix="zhtj-web-bench-"))
    # Inside web/ so that the baseline resolves vue from web/node_modules like the apps do.
    baseline_src = web.WEB / "node_modules" / ".zhtj-bench-baseline"
    try:
        figures: dict[str, Any] = {}
        for app, screens in SCREENS.items():
            out = scratch / app
            _vite_build(["--config", f"{app}/vite.config.ts", "--outDir", str(out), "--emptyOutDir"])
            manifest = json.loads((out / ".vite" / "manifest.json").read_text(encoding="utf-8"))
            entry = _entry(manifest)
            figures[app] = {"entry": first_load(manifest, out, [entry])} | {
                screen: first_load(manifest, out, [entry, *pages]) for screen, pages in screens.items()
            }
        baseline_src.mkdir(parents=True, exist_ok=True)
        (baseline_src / "main.js").write_text(BASELINE_MAIN, encoding="utf-8")
        (baseline_src / "index.html").write_text(BASELINE_HTML, encoding="utf-8")
        (baseline_src / "vite.config.mjs").write_text(BASELINE_CONFIG, encoding="utf-8")
        out = scratch / "baseline"
        config = str(baseline_src / "vite.config.mjs")
        _vite_build([str(baseline_src), "--config", config, "--outDir", str(out), "--emptyOutDir"])
        manifest = json.loads((out / ".vite" / "manifest.json").read_text(encoding="utf-8"))
        figures["baseline"] = first_load(manifest, out, [_entry(manifest)])
        return figures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(baseline_src, ignore_errors=True)
