"""Reading a large .docx: time per paragraph stays flat as the document grows (linear cost),
against a baseline from the same run (python-docx alone reading every paragraph's text).

    .venv/bin/python bench/bench_docx.py [--sizes 1000 10000 40000]

The documents are generated: numbered "Article N." paragraphs, every third one in a list style,
written straight into document.xml (python-docx's add_paragraph is itself quadratic)."""
from __future__ import annotations

import argparse
import io
import sys
import time
import zipfile
from pathlib import Path

import docx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from drafts.formats.docx import read_docx


def make(n: int) -> bytes:
    d = docx.Document()
    buffer = io.BytesIO()
    d.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    xml = source.read("word/document.xml").decode()
    start = xml.index("<w:body>") + len("<w:body>")
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="{"ListNumber" if i % 3 == 0 else "Normal"}"/></w:pPr>'
                   f"<w:r><w:t>{'Article %d. Title' % (i + 1) if i % 5 == 0 else 'Paragraph %d.' % i}</w:t></w:r></w:p>"
                   for i in range(n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            z.writestr(item, xml[:start] + body + xml[start:] if item.filename == "word/document.xml"
                       else source.read(item.filename))
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 40000])
    args = parser.parse_args()
    print("| paragraphs | .docx size | read_docx | per 1000 paragraphs | baseline: python-docx text only | ratio |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        data = make(n)
        t0 = time.perf_counter()
        read_docx(data)
        engine = time.perf_counter() - t0
        t0 = time.perf_counter()
        [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
        base = time.perf_counter() - t0
        print(f"| {n:,} | {len(data) // 1024} KB | {engine:.2f} s | {engine / n * 1000:.3f} s | {base:.2f} s | "
              f"{engine / base:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
