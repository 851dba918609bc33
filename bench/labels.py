"""Benchmark: label rendering and CSV export against plain baselines.

Run: SUYUAN_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
     .venv/bin/python bench/labels.py

1. QR PNGs: 10,000 label URLs rendered with ``app.labels.qr_png`` (zxing-cpp matrix,
   1-bit Pillow PNG) versus a plain ``qrcode.make(url).save(buffer, "PNG")`` loop, in
   alternating blocks of 500.
   ``png_speedup`` is baseline time / our time (goal: at least 5).
2. CSV: ``app.labels.write_csv`` of a 1,000,000-code batch to a file versus a raw
   ``COPY (SELECT code ...) TO STDOUT`` of the same batch to a file, best of three runs
   each. ``csv_ratio`` is our time / COPY time (goal: at most 2).

The last line is one JSON object; ``ratio`` repeats ``png_speedup``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time

import qrcode
from common import approved_request, make_app, make_producer, migrate, scratch_database

PNG_COUNT = 10_000
PNG_BLOCK = 500
CSV_CODES = 1_000_000
ROUNDS = 3  # CSV timings are the best of three alternating runs, so neither side pays for a cold cache


def png_figures(app) -> dict:
    from app.code_rules import CodeSource, alphabet_for
    from app.labels import label_url, qr_png

    codes = CodeSource(alphabet_for("mixed", False), 12).codes(PNG_COUNT)
    with app.app_context():
        urls = [label_url(code) for code in codes]

    # Blocks of both sides alternate, so load from other processes hits both alike.
    ours = baseline = 0.0
    ours_bytes = baseline_bytes = 0
    for start in range(0, PNG_COUNT, PNG_BLOCK):
        block = urls[start : start + PNG_BLOCK]
        started = time.perf_counter()
        ours_bytes += sum(len(qr_png(url)) for url in block)
        ours += time.perf_counter() - started

        started = time.perf_counter()
        for url in block:
            buffer = io.BytesIO()
            qrcode.make(url).save(buffer, "PNG")
            baseline_bytes += len(buffer.getvalue())
        baseline += time.perf_counter() - started
    return {
        "png_count": PNG_COUNT,
        "png_seconds": round(ours, 3),
        "png_baseline_seconds": round(baseline, 3),
        "png_speedup": round(baseline / ours, 2),
        "png_mean_bytes": round(ours_bytes / PNG_COUNT),
        "png_baseline_mean_bytes": round(baseline_bytes / PNG_COUNT),
    }


def csv_figures(app) -> dict:
    from app.extensions import db
    from app.generation import generate_request
    from app.labels import write_csv
    from app.models import Batch

    request_id = approved_request(app, make_producer(app), CSV_CODES)
    with app.app_context():
        generate_request(request_id)
        batch = db.session.scalar(db.select(Batch).where(Batch.request_id == request_id))
        folder = tempfile.mkdtemp(prefix="suyuan-bench-")
        ours_path = os.path.join(folder, "ours.csv")
        copy_path = os.path.join(folder, "copy.txt")

        cursor = db.session.connection().connection.driver_connection.cursor()
        ours_times, copy_times = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            with open(ours_path, "wb") as output:
                rows = write_csv(batch, output)
            ours_times.append(time.perf_counter() - started)

            started = time.perf_counter()
            with (
                open(copy_path, "wb") as output,
                cursor.copy(
                    "COPY (SELECT code FROM trace_code WHERE batch_id = %s) TO STDOUT", (batch.id,)
                ) as copy,
            ):
                for block in copy:
                    output.write(block)
            copy_times.append(time.perf_counter() - started)
        ours, baseline = min(ours_times), min(copy_times)
        db.session.rollback()
        sizes = os.path.getsize(ours_path), os.path.getsize(copy_path)
        os.remove(ours_path)
        os.remove(copy_path)
        os.rmdir(folder)
        db.session.remove()
    return {
        "csv_codes": rows,
        "csv_seconds": round(ours, 3),
        "csv_copy_seconds": round(baseline, 3),
        "csv_ratio": round(ours / baseline, 2),
        "csv_bytes": sizes[0],
        "copy_bytes": sizes[1],
    }


def main() -> None:
    with scratch_database() as url:
        app = make_app(url)
        migrate(app)
        figures = {"benchmark": "labels", **png_figures(app)}
        print(f"PNG: {figures}", flush=True)
        figures.update(csv_figures(app))
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    figures["ratio"] = figures["png_speedup"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
