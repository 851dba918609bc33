"""Benchmark: code generation through the real task versus a raw COPY of the same rows.

Run: SUYUAN_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
     .venv/bin/python bench/codegen.py

Creates a scratch database, then runs the ``suyuan.generate_codes`` task for a
100,000-code and a 1,000,000-code request, each in a fresh process whose peak resident
memory is recorded. The baseline COPYs 1,000,000 prepared rows of the same shape into a
scratch table made with ``LIKE trace_code INCLUDING ALL`` (same indexes and unique
constraint; trace_code itself has no foreign keys on the columns a COPY writes).

The last line is one JSON object. Its ``ratio`` is task time divided by the COPY time
(goal: at most 1.5), and ``peak_rss_mb`` the peak memory per size (goal: under 300 MB and
flat).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from common import ROOT, approved_request, make_app, make_producer, migrate, scratch_database

SIZES = (100_000, 1_000_000)


def run_child(url: str, request_id: int) -> dict:
    """Run the generation task in a fresh process; return its time and peak memory."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", url, str(request_id)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def child(url: str, request_id: int) -> None:
    app = make_app(url)
    from app.extensions import db
    from app.models import CodeRequest
    from app.models.codes import RequestStatus
    from tasks.codes import generate_codes_task

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Reset the kernel's peak (VmHWM), so the peak read afterwards covers generation only.
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    started = time.perf_counter()
    generate_codes_task(request_id)  # the task body, run in this process like a worker does
    seconds = time.perf_counter() - started
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        if code_request.status != RequestStatus.COMPLETED:
            sys.exit(f"generation failed: {code_request.error}")
        generated = code_request.generated_count
    peak = peak_rss_mb()
    print(
        json.dumps(
            {"seconds": seconds, "generated": generated, "rss_before_mb": rss_before, "peak_rss_mb": peak}
        )
    )


def peak_rss_mb() -> float:
    """Return the process's peak resident memory (VmHWM) in MB, read on Linux from /proc."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM missing from /proc/self/status")


def raw_copy_seconds(app, rows: int, enterprise_id: int, batch_id: int) -> float:
    """COPY ``rows`` prepared rows into a scratch table with trace_code's indexes."""
    from app.code_rules import CodeSource, alphabet_for
    from app.extensions import db

    codes = set(CodeSource(alphabet_for("mixed", False), 16).codes(rows))
    data = "".join(f"{code}\t1\t{enterprise_id}\t{batch_id}\t1\tf\t0\n" for code in codes).encode()
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("CREATE TABLE bench_copy (LIKE trace_code INCLUDING ALL)")
            connection.commit()
            started = time.perf_counter()
            with cursor.copy(
                "COPY bench_copy (code, kind, enterprise_id, batch_id, status, case_sensitive, scan_count) "
                "FROM STDIN"
            ) as copy:
                copy.write(data)
            connection.commit()
            seconds = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_copy")
            connection.commit()
        finally:
            connection.close()
    return seconds


def first_batch(app) -> tuple[int, int]:
    from app.extensions import db
    from app.models import Batch

    with app.app_context():
        batch = db.session.scalar(db.select(Batch).order_by(Batch.id))
        return batch.enterprise_id, batch.id


def main() -> None:
    with scratch_database() as url:
        app = make_app(url)
        migrate(app)
        producer = make_producer(app)
        results = {}
        for size in SIZES:
            request_id = approved_request(app, producer, size)
            results[size] = run_child(url, request_id)
            print(f"generation of {size:,} codes: {results[size]}", flush=True)
        enterprise_id, batch_id = first_batch(app)
        copy_seconds = raw_copy_seconds(app, SIZES[-1], enterprise_id, batch_id)
        print(f"raw COPY of {SIZES[-1]:,} rows: {copy_seconds:.2f}s", flush=True)
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()

    largest = results[SIZES[-1]]
    summary = {
        "benchmark": "codegen",
        "codes": SIZES[-1],
        "task_seconds": round(largest["seconds"], 3),
        "copy_seconds": round(copy_seconds, 3),
        "ratio": round(largest["seconds"] / copy_seconds, 3),
        "codes_per_second": round(SIZES[-1] / largest["seconds"]),
        "peak_rss_mb": {str(size): round(results[size]["peak_rss_mb"], 1) for size in SIZES},
        "rss_before_mb": {str(size): round(results[size]["rss_before_mb"], 1) for size in SIZES},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
