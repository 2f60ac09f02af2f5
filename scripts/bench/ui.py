#!/usr/bin/env python3
"""The web UI measured in headless Chromium against a real `quarry serve` (embedded back ends):

1. first load: the JavaScript the browser fetches to show the first page (gzipped bytes on the
   wire), with pdf.js left out until a PDF opens, and the same after a PDF opened;
2. a 200-node workflow in the builder: frames while the canvas pans and zooms, driven by pointer and
   wheel events dispatched in the page one per animation frame; per frame the interval between
   animation frames and the main-thread time the event handling, style and layout took;
3. a node's state change reaching the canvas: a run started from the run panel waits at an
   `approval` node; the bench approves it over the API and times, on the same machine's clock, from
   just before that request to the moment the node on the canvas shows `succeeded` (20 runs).

Usage: scripts/bench/ui.py --quarry .build/release/quarry [--frames 600] [--out eval/bench/ui]
(`make bench-ui`). Writes ui.json and ui.md."""
import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "UI" / "browser"))
from conftest import Server, make_browser, sign_in, wait  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def first_load(driver, server, token):
    driver.get(server.url + "/")
    sign_in(driver, server, token)
    time.sleep(1)
    entries = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => ({name: e.name, wire: e.transferSize, body: e.encodedBodySize, size: e.decodedBodySize}))")
    scripts = [e for e in entries if e["name"].endswith(".js")]
    return {
        "scripts": [pathlib.Path(e["name"]).name for e in scripts],
        "javascript_gzipped_bytes": sum(e["body"] for e in scripts),
        "javascript_bytes": sum(e["size"] for e in scripts),
        "pdfjs_loaded": any("/pdf-" in e["name"] or "pdf.worker" in e["name"] for e in scripts),
    }


def big_workflow(n=200):
    nodes = [{"id": "start", "type": "trigger"}]
    edges = []
    for i in range(n - 2):
        nodes.append({"id": f"step{i:03d}", "type": "transform", "config": {"value": f"{{{{ trigger.x }}}} {i}"}})
        edges.append({"from": "start" if i < 14 else f"step{i - 14:03d}", "to": f"step{i:03d}"})
    nodes.append({"id": "end", "type": "transform", "config": {"value": "done"}, "join": "all_settled"})
    edges += [{"from": f"step{i:03d}", "to": "end"} for i in range(n - 16, n - 2)]
    return {"id": "bench-200", "name": "200 nodes", "nodes": nodes, "edges": edges}


PAN = """
const [frames, done] = [arguments[0], arguments[arguments.length - 1]];
const canvas = document.querySelector('.canvas');
const box = canvas.getBoundingClientRect();
const intervals = [], work = [];
let last = null, i = 0;
const x0 = box.left + 20, y0 = box.bottom - 20;
canvas.dispatchEvent(new PointerEvent('pointerdown', {bubbles: true, button: 0, pointerId: 7, clientX: x0, clientY: y0}));
function frame(now) {
  if (last !== null) intervals.push(now - last);
  last = now;
  const started = performance.now();
  if (i % 2 === 0) {
    canvas.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerId: 7, clientX: x0 + Math.sin(i / 20) * 300, clientY: y0 - Math.cos(i / 30) * 200}));
  } else {
    canvas.dispatchEvent(new WheelEvent('wheel', {bubbles: true, deltaY: Math.sin(i / 15) * 60, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2}));
  }
  document.querySelector('.world').getBoundingClientRect();  // style and layout now, inside the measured span
  work.push(performance.now() - started);
  if (++i < frames) requestAnimationFrame(frame);
  else { canvas.dispatchEvent(new PointerEvent('pointerup', {bubbles: true, pointerId: 7})); done({intervals, work}); }
}
requestAnimationFrame(frame);
"""

WATCH = """
window.__seen = {};
window.__watch?.disconnect();
window.__watch = new MutationObserver(() => {
  for (const node of document.querySelectorAll('[data-node][data-status="succeeded"]')) {
    const id = node.dataset.node;
    if (!(id in window.__seen)) window.__seen[id] = Date.now();
  }
});
window.__watch.observe(document.querySelector('.world'), {subtree: true, attributes: true, attributeFilter: ['data-status']});
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "eval" / "bench" / "ui"))
    args = parser.parse_args()
    server = Server(os.path.abspath(args.quarry), {"QUARRY_UI_DIR": str(ROOT / ".build" / "ui")})
    driver = make_browser()
    try:
        token = server.token(tenant="bench")
        load = first_load(driver, server, token)
        chromium = driver.capabilities.get("browserVersion")

        server.api("POST", "/api/v1/workflows", token, big_workflow())
        driver.get(server.url + "/#/workflows/bench-200")
        wait(driver, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-node]")) == 200)
        time.sleep(1)
        driver.set_script_timeout(120)
        pan = driver.execute_async_script(PAN, args.frames)

        server.api("POST", "/api/v1/workflows", token, {
            "id": "bench-gate", "name": "gate", "nodes": [{"id": "start", "type": "trigger"}, {"id": "gate", "type": "approval", "config": {"message": "go?"}}],
            "edges": [{"from": "start", "to": "gate"}]})
        driver.get(server.url + "/#/workflows/bench-gate")
        wait(driver, 60).until(lambda d: d.find_elements(By.ID, "run-start"))
        lags = []
        for _ in range(args.runs):
            driver.find_element(By.ID, "run-start").click()
            wait(driver, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-node="gate"]').get_attribute("data-status") == "awaiting")
            run_id = driver.find_element(By.CSS_SELECTOR, ".run-state strong").text
            driver.execute_script(WATCH)
            asked = time.time() * 1000
            server.api("POST", f"/api/v1/runs/{run_id}/nodes/gate/approve", token, {})
            wait(driver, 30).until(lambda d: d.execute_script("return window.__seen.gate") is not None)
            lags.append(driver.execute_script("return window.__seen.gate") - asked)
            wait(driver, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-run-status]").get_attribute("data-run-status") == "succeeded")
    finally:
        driver.quit()
        server.stop()

    result = {
        "command": "make bench-ui",
        "host": {"cpu": cpu_model(), "machine": platform.machine(), "cores": os.cpu_count(), "chromium": chromium},
        "first_load": load,
        "pan_zoom_200_nodes": {
            "frames": len(pan["intervals"]),
            "frame_interval_ms": {"p50": percentile(pan["intervals"], 50), "p95": percentile(pan["intervals"], 95), "max": max(pan["intervals"])},
            "main_thread_ms_per_frame": {"p50": percentile(pan["work"], 50), "p95": percentile(pan["work"], 95), "max": max(pan["work"])},
        },
        "node_state_to_canvas_ms": {"runs": len(lags), "p50": statistics.median(lags), "p95": percentile(lags, 95), "max": max(lags)},
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    p = result["pan_zoom_200_nodes"]
    s = result["node_state_to_canvas_ms"]
    out.with_suffix(".md").write_text(f"""# The web UI in Chromium

`{result['command']}` on {result['host']['cpu']} ({result['host']['cores']} cores), Chromium {chromium}, headless.

| what | measured | goal |
|---|---:|---:|
| JavaScript on first load (gzipped, on the wire) | {load['javascript_gzipped_bytes'] / 1024:.1f} KB ({', '.join(load['scripts'])}; pdf.js loaded: {load['pdfjs_loaded']}) | ≤ 300 KB |
| 200-node builder, pan and zoom: frame interval p50 / p95 / max | {p['frame_interval_ms']['p50']:.1f} / {p['frame_interval_ms']['p95']:.1f} / {p['frame_interval_ms']['max']:.1f} ms ({p['frames']} frames) | p95 ≤ 16 ms |
| the same frames: main-thread time per frame (events, style, layout) p50 / p95 / max | {p['main_thread_ms_per_frame']['p50']:.2f} / {p['main_thread_ms_per_frame']['p95']:.2f} / {p['main_thread_ms_per_frame']['max']:.2f} ms | |
| an approval decided over the API to its node's colour on the canvas, p50 / p95 / max | {s['p50']:.0f} / {s['p95']:.0f} / {s['max']:.0f} ms ({s['runs']} runs) | ≤ 100 ms |
""")
    print(out.with_suffix(".md").read_text())


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
