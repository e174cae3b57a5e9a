"""Parsing speed and memory over the whole shared corpus, against baselines from the same run.

    .venv/bin/python bench/bench_parse.py [--repeat 3] [--write]

* engine: ``drafts.load(bytes)`` + ``Document.clauses()`` for every version of every act
  (Markdown, USLM/D.C. XML, Akoma Ntoso);
* baseline A: read + decode + ``str.splitlines()`` + ``str.split()`` of the same files (the
  least any parser must do); baseline B: ``markdown.markdown()`` of the Markdown files;
* memory: peak RSS (VmHWM) and tracemalloc peak in a fresh subprocess that
  parses ru-nk-part1 v2 (the largest act), against a subprocess that only reads the file.

The best of ``--repeat`` runs is reported; ``--write`` replaces the "Engine: parsing" section
of BENCHMARKS.md with the result.
"""
from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
sys.path.insert(0, str(REPO))

# VmHWM (peak RSS of this process image), not getrusage's ru_maxrss, which a forked child
# inherits from its parent (here: the benchmark, already large)
MEMORY_PROBE = r"""
import json, sys, tracemalloc

def hwm_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

sys.path.insert(0, sys.argv[1])
path, parse = sys.argv[2], sys.argv[3] == "1"
import drafts
rss_import = hwm_kb()
tracemalloc.start()
data = open(path, "rb").read()
if parse:
    doc = drafts.load(data, filename=path)
    n = len(doc.clauses())
else:
    n = len(data.decode("utf-8").split())
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"maxrss_kb": hwm_kb(),
                  "import_kb": rss_import,
                  "tracemalloc_peak": peak, "n": n}))
"""


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def files() -> list[Path]:
    return sorted(CORPUS.glob("*/v*.md")) + sorted(CORPUS.glob("*/v*.xml")) + sorted(
        CORPUS.glob("akn/*.akn.xml"))


def measure(repeat: int) -> dict:
    import markdown

    import drafts

    paths = files()
    blobs = {p: p.read_bytes() for p in paths}
    md = [p for p in paths if p.suffix == ".md"]
    mb = sum(len(b) for b in blobs.values()) / 1e6
    md_mb = sum(len(blobs[p]) for p in md) / 1e6

    def engine():
        for p, b in blobs.items():
            drafts.load(b, filename=p.name).clauses()

    def engine_md():
        for p in md:
            drafts.load(blobs[p], filename=p.name).clauses()

    def baseline_split():
        for b in blobs.values():
            text = b.decode("utf-8")
            for line in text.splitlines():
                line.split()

    def baseline_markdown():
        for p in md:
            markdown.markdown(blobs[p].decode("utf-8"))

    result = {"files": len(paths), "mb": mb, "md_mb": md_mb,
              "engine": best(engine, repeat), "engine_md": best(engine_md, repeat),
              "split": best(baseline_split, repeat), "markdown": best(baseline_markdown, 1)}
    big = CORPUS / "ru-nk-part1" / "v2.md"
    for key, flag in (("mem_parse", "1"), ("mem_read", "0")):
        out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(REPO), str(big), flag],
                             capture_output=True, text=True, check=True).stdout
        result[key] = json.loads(out)
    result["big_mb"] = big.stat().st_size / 1e6
    result["big_time"] = best(lambda: drafts.load(big.read_bytes(), filename=big.name).clauses(),
                              repeat)
    return result


def report(r: dict, repeat: int) -> str:
    per_mb = r["engine"] / r["mb"]
    mp, mr = r["mem_parse"], r["mem_read"]
    return f"""Command: `.venv/bin/python bench/bench_parse.py --repeat {repeat} --write`
(Python {platform.python_version()}, {platform.machine()}, best of {repeat} runs; noisy shared
2-core machine, so compare the ratios).

| what (whole corpus: {r['files']} files, {r['mb']:.1f} MB; Markdown part {r['md_mb']:.1f} MB) | time | per MB | ratio |
|---|---|---|---|
| engine: `drafts.load` + `.clauses()`, all files | {r['engine']:.2f} s | {per_mb:.3f} s | 1.0 |
| baseline A: read + decode + `splitlines()` + `split()`, all files | {r['split']:.2f} s | {r['split'] / r['mb']:.3f} s | engine takes {r['engine'] / r['split']:.0f}x as long |
| engine, Markdown files only | {r['engine_md']:.2f} s | {r['engine_md'] / r['md_mb']:.3f} s | |
| baseline B: `markdown.markdown()`, Markdown files only | {r['markdown']:.2f} s | {r['markdown'] / r['md_mb']:.3f} s | engine is {r['markdown'] / r['engine_md']:.1f}x faster |
| largest act, ru-nk-part1 v2 ({r['big_mb']:.2f} MB) | {r['big_time']:.2f} s | {r['big_time'] / r['big_mb']:.3f} s | |

Memory, ru-nk-part1 v2 ({r['big_mb']:.2f} MB) in a fresh process, after `import drafts`
({mp['import_kb'] / 1024:.0f} MB RSS: the standard library; lxml loads only for XML input):

| | peak RSS growth | tracemalloc peak |
|---|---|---|
| engine: load + {mp['n']} clauses | {(mp['maxrss_kb'] - mp['import_kb']) / 1024:.0f} MB | {mp['tracemalloc_peak'] / 1e6:.1f} MB ({mp['tracemalloc_peak'] / (r['big_mb'] * 1e6):.1f} bytes per source byte) |
| baseline: read + decode + `split()` ({mr['n']} words) | {(mr['maxrss_kb'] - mr['import_kb']) / 1024:.0f} MB | {mr['tracemalloc_peak'] / 1e6:.1f} MB |
"""


def write(section: str) -> None:
    path = REPO / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    head = "## Engine: parsing\n"
    start = text.index(head) + len(head)
    end = text.find("\n## ", start)
    end = len(text) if end < 0 else end + 1
    path.write_text(text[:start] + "\n" + section + "\n" + text[end:], encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    section = report(measure(args.repeat), args.repeat)
    print(section)
    if args.write:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
