"""Parse benchmark: Quarry against pdftotext, pypdf and PyMuPDF on the same PDFs, in one run.

    python scripts/bench/parse.py --quarry .build/release/quarry [--runs 5] PDF-or-folder...

Each peer extracts the text of every page of every file (Quarry also builds boxes and chunks);
every run covers all files; the median of the runs is reported. pdftotext, pypdf and PyMuPDF use one
core each; Quarry is measured with 1 and 2 threads. The runs go in rounds, one run of every peer a
round, so that the machine's speed drifting over minutes weighs on every peer alike.
Writes eval/bench/parse.json and parse.md.
"""
import argparse
import datetime
import io
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time

import pymupdf
import pypdf


# pypdf warns about every CFF font it cannot fully decode without fontTools: noise, not results.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def pdfs(paths):
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, _, names in os.walk(path):
                found += [os.path.join(root, n) for n in names if n.lower().endswith(".pdf")]
        else:
            found.append(path)
    # Encrypted files need a password no peer is given: leave them out, as quarry bench does.
    return sorted(f for f in found if subprocess.run(["pdfinfo", f], capture_output=True).returncode == 0)


def timed(work):
    start = time.perf_counter()
    pages = work()
    return pages, time.perf_counter() - start


def run_pdftotext(files):
    def work():
        pages = 0
        for f in files:
            out = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", f, "-"], capture_output=True).stdout
            pages += out.count(b"\f")
        return pages
    return work


def run_pypdf(blobs):
    def work():
        pages = 0
        for data in blobs:
            reader = pypdf.PdfReader(io.BytesIO(data))
            for page in reader.pages:
                page.extract_text()
                pages += 1
        return pages
    return work


def run_pymupdf(blobs):
    def work():
        pages = 0
        for data in blobs:
            with pymupdf.open(stream=data, filetype="pdf") as document:
                for page in document:
                    page.get_text()
                    pages += 1
        return pages
    return work


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", default="eval/bench")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    files = pdfs(args.paths)
    blobs = [open(f, "rb").read() for f in files]
    peers = [("pdftotext (poppler-utils), 1 core", run_pdftotext(files)),
             (f"PyMuPDF {pymupdf.__version__}, 1 core", run_pymupdf(blobs)),
             (f"pypdf {pypdf.__version__}, 1 core", run_pypdf(blobs))]
    pages, seconds = {}, {}  # peer → pages, and its seconds in each round
    for _ in range(args.runs):
        quarry = json.loads(subprocess.run(
            [args.quarry, "bench", "parse", "--json", "--runs", "1", "--threads", "1,2", *files],
            check=True, capture_output=True, text=True).stdout)
        for r in quarry:
            name = f"Quarry, {r['threads']} thread{'s' if r['threads'] > 1 else ''} (pages, boxes, chunks)"
            pages[name] = r["pages"]
            seconds.setdefault(name, []).append(r["medianSeconds"])
        for name, work in peers:
            pages[name], elapsed = timed(work)
            seconds.setdefault(name, []).append(elapsed)
    results = [{"peer": name, "pages": pages[name], "seconds": statistics.median(runs), "runs_seconds": runs}
               for name, runs in seconds.items()]
    for r in results:
        r["pages_per_second"] = r["pages"] / r["seconds"]

    base = {r["peer"]: r["pages_per_second"] for r in results}
    pdftotext = next(v for k, v in base.items() if k.startswith("pdftotext"))
    mupdf_rate = next(v for k, v in base.items() if k.startswith("PyMuPDF"))
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "command": "make bench-parse  (python scripts/bench/parse.py --quarry .build/release/quarry --runs "
                   f"{args.runs} ../shared/corpora/pdf)",
        "files": len(files), "runs": args.runs, "results": results,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "parse.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = [f"Parse benchmark, {report['date']}, {report['machine']}: {len(files)} PDFs, median of {args.runs} runs "
             "(in rounds: one run of every peer a round).",
             f"Reproduce: `{report['command']}`", "",
             "| peer | pages | median s | pages/s | × pdftotext | × PyMuPDF |", "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['peer']} | {r['pages']} | {r['seconds']:.3f} | {r['pages_per_second']:.0f} | "
                     f"{r['pages_per_second'] / pdftotext:.2f} | {r['pages_per_second'] / mupdf_rate:.2f} |")
    with open(os.path.join(args.out, "parse.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
