"""Benchmark attachment text extraction: milliseconds per PDF page, and per DOCX/XLSX file.

Usage:
    python benchmarks/bench_attachments.py                 # a 50-page PDF, 7 runs
    python benchmarks/bench_attachments.py --pages 200 --repeat 11
    python benchmarks/bench_attachments.py --compare-pypdf # pypdf beside pypdfium2, if installed

Builds real files with Chinese text (tests/attachment_files.py: fpdf2 with the WenQuanYi
Zen Hei font, python-docx, openpyxl), extracts them with crawler.clean.attachments and
prints the median time and the share of the known characters that came back. With
--compare-pypdf it times pypdf's text extraction on the same PDF, the measurement behind
choosing pypdfium2 (issue 12).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # optional: only --compare-pypdf needs it
    import pypdf
except ImportError:
    pypdf = None

from crawler.clean.attachments import extract_attachment_text  # noqa: E402
from tests.attachment_files import (  # noqa: E402
    known_text,
    make_docx,
    make_pdf,
    make_xlsx,
    recovered_share,
)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pypdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=50, help="pages in the PDF (default 50)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (default 7)")
    parser.add_argument("--compare-pypdf", action="store_true", help="also time pypdf")
    args = parser.parse_args()

    pdf = make_pdf(copies=args.pages)
    known = known_text()
    text = extract_attachment_text(pdf, "bench.pdf")
    ms = median_ms(lambda: extract_attachment_text(pdf, "bench.pdf"), args.repeat)
    print(
        "pypdfium2  PDF  %d pages %7.1f KB  %.3f ms/page (median of %d)  chars back %.4f"
        % (args.pages, len(pdf) / 1024, ms / args.pages, args.repeat, recovered_share(known, text))
    )
    if args.compare_pypdf:
        if pypdf is None:
            print("pypdf is not installed: pip install pypdf to compare")
        else:
            text = pypdf_text(pdf)
            ms = median_ms(lambda: pypdf_text(pdf), args.repeat)
            print(
                "pypdf      PDF  %d pages %7.1f KB  %.3f ms/page (median of %d)  chars back %.4f"
                % (
                    args.pages,
                    len(pdf) / 1024,
                    ms / args.pages,
                    args.repeat,
                    recovered_share(known, text),
                )
            )
    for name, data in (("DOCX", make_docx()), ("XLSX", make_xlsx())):
        suffix = name.lower()
        text = extract_attachment_text(data, "bench." + suffix)
        ms = median_ms(
            lambda d=data, s=suffix: extract_attachment_text(d, "bench." + s), args.repeat
        )
        print(
            "%-10s %s %7.1f KB  %.3f ms/file (median of %d)  chars back %.4f"
            % (
                "python-docx" if name == "DOCX" else "openpyxl",
                name,
                len(data) / 1024,
                ms,
                args.repeat,
                recovered_share(known, text),
            )
        )


if __name__ == "__main__":
    main()
