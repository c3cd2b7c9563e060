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

import bench.inprocess  # noqa: F401  (no AWS setting of the developer's is read; the local stack sets its own)
from infra import web

VITE = web.WEB / "node_modules" / "vite" / "bin" / "vite.js"
LIGHTHOUSE = web.WEB / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = Path("/usr/bin/chromium")
# The first screens measured, as source paths in each app's manifest (relative to the app's root).
SCREENS = {
    "member": {"sign-in": ["src/pages/SignIn.vue"]},
    "console": {
        "sign-in": ["src/pages/SignIn.vue"],
        "work list (signed in)": ["src/Layout.vue", "src/pages/Home.vue"],
        "statistics (signed in)": ["src/Layout.vue", "src/pages/stats/StatsPage.vue"],
        "statistics with its charts": ["src/Layout.vue", "src/pages/stats/StatsPage.vue", "src/pages/stats/echarts.ts"],
    },
}
PAGES = {"member": "/m/sign-in", "console": "/console/sign-in"}

# Vue and the router with one page (and the apps' Vue plugin): the least a single-page app of
# this stack downloads.
BASELINE_MAIN = """\
import { createApp, h } from "vue";
import { createRouter, createWebHistory, RouterView } from "vue-router";
const Page = { render: () => h("h1", "登录") };
const router = createRouter({ history: createWebHistory("/"), routes: [{ path: "/:rest(.*)*", component: Page }] });
createApp({ render: () => h(RouterView) }).use(router).mount("#app");
"""
BASELINE_CONFIG = 'import vue from "@vitejs/plugin-vue";\nexport default { plugins: [vue()] };\n'
BASELINE_HTML = (
    '<!doctype html><html lang="zh-CN"><body><div id="app"></div>'
    '<script type="module" src="./main.js"></script></body></html>\n'
)


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


def lighthouse(url: str, out: Path) -> dict[str, Any]:
    """Lighthouse's desktop preset on one page: the two categories' scores (0-100) and the
    performance metrics behind the first."""
    subprocess.run(
        [
            str(web.NODE),
            str(LIGHTHOUSE),
            url,
            "--preset=desktop",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            # Root in a container: chromium's sandbox needs user namespaces it may not have.
            "--chrome-flags=--headless=new --no-sandbox --disable-dev-shm-usage",
        ],
        env={**_node_env(), "CHROME_PATH": str(CHROMIUM)},
        check=True,
        capture_output=True,
        timeout=300,
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]

    def ms(audit: str) -> float:
        return round(float(audits[audit]["numericValue"]), 0)

    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "first_contentful_paint_ms": ms("first-contentful-paint"),
        "largest_contentful_paint_ms": ms("largest-contentful-paint"),
        "total_blocking_time_ms": ms("total-blocking-time"),
        "cumulative_layout_shift": round(float(audits["cumulative-layout-shift"]["numericValue"]), 3),
        "transferred_kb": round(float(audits["total-byte-weight"]["numericValue"]) / 1024, 1),
        "failed_accessibility_audits": sorted(
            ref["id"]
            for ref in report["categories"]["accessibility"]["auditRefs"]
            if ref.get("weight", 0) > 0 and audits[ref["id"]].get("score") not in (None, 1)
        ),
    }


def lighthouse_scores() -> dict[str, Any]:
    """Both sign-in pages of a local stack (demo data, 20 members) serving `web/dist`."""
    from infra.local.stack import LocalStack

    if not CHROMIUM.exists():
        return {"skipped": f"Lighthouse needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"}
    web.build()
    scratch = Path(tempfile.mkdtemp(prefix="zhtj-lighthouse-"))
    try:
        with LocalStack(aws_port=0, api_port=0, demo_scale=20) as stack:
            return {app: lighthouse(stack.api_url + page, scratch / f"{app}.json") for app, page in PAGES.items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(with_lighthouse: bool = True) -> dict[str, Any]:
    figures: dict[str, Any] = {"first_load_kb": bundle_sizes()}
    if with_lighthouse:
        figures["lighthouse"] = lighthouse_scores()
    return figures


if __name__ == "__main__":
    print(json.dumps(run(with_lighthouse="--no-lighthouse" not in sys.argv[1:]), ensure_ascii=False, indent=2))


def rows(figures: dict[str, Any]) -> list[tuple[str, ...]]:
    """The report's rows: (figure, value, baseline, ratio)."""
    sizes = figures["first_load_kb"]
    baseline = sizes["baseline"]["total_kb"]
    report: list[tuple[str, ...]] = []
    for app in SCREENS:
        for screen, size in sizes[app].items():
            report.append(
                (
                    f"web {app}, first load gzipped JS+CSS ({screen})",
                    f"{size['total_kb']} KB",
                    f"Vue + router {baseline} KB",
                    f"{size['total_kb'] / baseline:.1f}x"
                    f" (JS {size['js_kb']}, CSS {size['css_kb']}, {size['files']} files)",
                )
            )
    scores = figures.get("lighthouse", {})
    if "skipped" in scores:
        report.append(("web Lighthouse", "not run", scores["skipped"], ""))
    for app, score in scores.items():
        if isinstance(score, dict):
            report.append(
                (
                    f"web {app} sign-in, Lighthouse desktop performance / accessibility",
                    f"{score['performance']} / {score['accessibility']}",
                    f"LCP {score['largest_contentful_paint_ms']:.0f} ms, TBT {score['total_blocking_time_ms']:.0f} ms",
                    f"{score['transferred_kb']} KB transferred",
                )
            )
    return report
