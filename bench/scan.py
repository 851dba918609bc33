"""Benchmark of the public scan page against a minimal scan endpoint, on PostgreSQL.

Creates a scratch database holding 1,000,000 codes. Serves the real app and the minimal
endpoint (bench/scan_minimal.py, which only increments the count and inserts the log row
with raw psycopg) with the same gunicorn settings on 127.0.0.1. Drives random-code scans
at each with wrk at 32 connections, one after the other. Prints both throughputs, their
ratio (goal: the page reaches at least 0.5x of the minimal endpoint) and the page's p99
latency (goal: under 100 ms). The last line of output is one JSON object.

Usage::

    python bench/scan.py [--codes 1000000] [--duration 20] [--rounds 4] [--connections 32]
                         [--page-port 5301] [--minimal-port 5302]

Needs PostgreSQL (``SUYUAN_BENCH_DATABASE_URL``, default the local ``test`` database's
server) and wrk (Debian package ``wrk``). The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PAGE_PORT = 5301  # --page-port
MINIMAL_PORT = 5302  # --minimal-port
SAMPLE_SIZE = 100_000
GOAL_RATIO = 0.5
GOAL_P99_MS = 100.0

# wrk picks a random code from the sample for every request and reports the totals and
# the latency percentiles as JSON in its done() hook. Each wrk thread gets its own seed:
# with one shared seed the threads would scan the same codes at the same moments and
# queue on each other's row locks, which no real crowd of scanners does.
WRK_SCRIPT = """
local codes = {}
for line in io.lines("%(codes)s") do codes[#codes + 1] = line end
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("seed", os.time() * 100 + thread_count)
end
init = function(args)
  math.randomseed(seed)
end
request = function()
  return wrk.format("GET", "/t/" .. codes[math.random(#codes)])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format('WRK_JSON {"requests": %%d, "duration_us": %%d, "errors": %%d, '
    .. '"status_errors": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def raw_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_database(base_url: str) -> tuple[str, str]:
    """Create a scratch database on the server of ``base_url``; return (name, its URL)."""
    name = f"suyuan_bench_scan_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(raw_url(base_url), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = base_url.rpartition("/")
    return name, f"{head}/{name}"


def drop_database(base_url: str, name: str) -> None:
    with psycopg.connect(raw_url(base_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_schema(url: str, instance_dir: str) -> None:
    """Migrate and create the roles exactly as a deploy does (``flask db upgrade``, ``init``)."""
    env = {**os.environ, "SUYUAN_DATABASE_URL": url, "SUYUAN_INSTANCE_DIR": instance_dir}
    env["FLASK_APP"] = "app:create_app"
    flask = str(Path(sys.executable).with_name("flask"))
    for command in (["db", "upgrade"], ["suyuan", "init"]):
        subprocess.run([flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)


def load_codes(url: str, count: int) -> list[str]:
    """Write one producer, product and batch with ``count`` item codes (COPY); return a
    random sample of the codes for wrk."""
    codes = set()
    while len(codes) < count:
        codes.add(secrets.token_hex(8).upper())
    ordered = list(codes)
    with psycopg.connect(raw_url(url)) as connection:
        user_id = connection.execute(
            "INSERT INTO ab_user (first_name, last_name, username, active, email, public_id) "
            "VALUES ('bench', 'bench', 'bench', true, 'bench@example.com', '19999999') RETURNING id"
        ).fetchone()[0]
        enterprise_id = connection.execute(
            "INSERT INTO enterprise (type, status, name, credit_code, legal_representative, "
            "registered_address, detailed_address, licence_file, contact_name, mobile, email, "
            "applicant_id, submitted_at, profile_html, created_at, updated_at) VALUES ('producer', "
            "'approved', '基准测试酒厂', '91440101MA0000000X', '王五', '广东省广州市', '天河路 1 号', "
            "'licences/x.png', '赵六', '13912345678', 'bench@example.com', %s, now(), "
            "'<p>基准测试用企业简介。</p>', now(), now()) RETURNING id",
            (user_id,),
        ).fetchone()[0]
        product_id = connection.execute(
            "INSERT INTO product (enterprise_id, name, price, on_shelf, created_at, updated_at) "
            "VALUES (%s, '基准测试白酒 52度', 99, true, now(), now()) RETURNING id",
            (enterprise_id,),
        ).fetchone()[0]
        batch_id = connection.execute(
            "INSERT INTO batch (enterprise_id, product_id, batch_number, sequence, code_count, complete, "
            "production_date, production_team, created_at) VALUES (%s, %s, 'BENCH000001', 1, %s, true, "
            "'2026-02-14', '灌装二班', now()) RETURNING id",
            (enterprise_id, product_id, count),
        ).fetchone()[0]
        with connection.cursor() as cursor:
            copy_sql = (
                "COPY trace_code (code, kind, enterprise_id, batch_id, status, case_sensitive, scan_count) "
                "FROM STDIN"
            )
            with cursor.copy(copy_sql) as copy:
                for code in ordered:
                    copy.write_row((code, 1, enterprise_id, batch_id, 1, False, 0))
        connection.commit()
        connection.execute("ANALYZE trace_code")
        connection.commit()
    return random.sample(ordered, min(SAMPLE_SIZE, len(ordered)))


def start_server(app_spec: str, port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [
        gunicorn,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/t/NOSUCHCODE", timeout=2):  # noqa: S310
                return process
        except urllib.error.HTTPError:
            return process  # a 404 means the server is serving requests
        except OSError:
            time.sleep(0.5)
    stop_server(process)
    raise RuntimeError(f"gunicorn on port {port} did not start within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_wrk(port: int, script: str, connections: int, duration: int, threads: int) -> dict:
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=10s",
        f"--script={script}",
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def combine(rounds: list[dict]) -> dict:
    """Sum the requests and errors of several wrk rounds. wrk cannot merge its latency
    histograms, so the p50 and p99 are the medians of the rounds' values (one round that
    met a burst of outside load does not decide the figure); the worst round's p99 is
    kept beside them."""

    def median(values: list[int]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    requests = sum(result["requests"] for result in rounds)
    duration_us = sum(result["duration_us"] for result in rounds)
    return {
        "requests": requests,
        "rps": requests / (duration_us / 1e6),
        "errors": sum(result["errors"] for result in rounds),
        "p50_us": median([result["p50_us"] for result in rounds]),
        "p99_us": median([result["p99_us"] for result in rounds]),
        "worst_p99_us": max(result["p99_us"] for result in rounds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per endpoint")
    parser.add_argument("--rounds", type=int, default=4, help="alternating measurement rounds per endpoint")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load per server first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--page-port", type=int, default=PAGE_PORT)
    parser.add_argument("--minimal-port", type=int, default=MINIMAL_PORT)
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        log("wrk is not installed: apt-get install wrk")
        return 2
    base_url = os.environ.get("SUYUAN_BENCH_DATABASE_URL", DEFAULT_URL)
    name, url = create_database(base_url)
    instance_dir = tempfile.mkdtemp(prefix="suyuan-bench-scan-")
    servers: list[subprocess.Popen] = []
    try:
        log(f"database {name}: migrating")
        prepare_schema(url, instance_dir)
        started = time.monotonic()
        sample = load_codes(url, args.codes)
        log(f"{args.codes} codes written in {time.monotonic() - started:.1f} s")
        codes_file = Path(instance_dir) / "codes.txt"
        codes_file.write_text("\n".join(sample) + "\n")
        script = Path(instance_dir) / "scan.lua"
        script.write_text(WRK_SCRIPT % {"codes": codes_file})

        env = {
            **os.environ,
            "SUYUAN_DATABASE_URL": url,
            "SUYUAN_INSTANCE_DIR": instance_dir,
            "SUYUAN_RATELIMIT_ENABLED": "false",  # the benchmark measures scans, not the limiter
            "SUYUAN_SCAN_WARNING_THRESHOLD": "1000000",
        }
        servers.append(start_server("app:create_app()", args.page_port, env, args.workers, args.threads))
        servers.append(
            start_server("bench.scan_minimal:application", args.minimal_port, env, args.workers, args.threads)
        )

        wrk_threads = min(args.connections, 2)
        targets = (("page", args.page_port), ("minimal", args.minimal_port))
        for _label, port in targets:
            run_wrk(port, str(script), args.connections, args.warmup, wrk_threads)
        # Alternating short rounds expose both servers to the same background load.
        rounds = {label: [] for label, _port in targets}
        round_seconds = max(1, args.duration // args.rounds)
        for number in range(args.rounds):
            for label, port in targets:
                result = run_wrk(port, str(script), args.connections, round_seconds, wrk_threads)
                rounds[label].append(result)
                p99_ms = result["p99_us"] / 1000
                log(f"round {number + 1} {label}: {result['rps']:.0f} req/s, p99 {p99_ms:.1f} ms")
        results = {label: combine(found) for label, found in rounds.items()}

        # Requests still in flight when wrk stops finish first, so both totals are final.
        for process in servers:
            stop_server(process)
        with psycopg.connect(raw_url(url)) as connection:
            logged = connection.execute("SELECT count(*) FROM scan_log").fetchone()[0]
            counted = connection.execute("SELECT sum(scan_count) FROM trace_code").fetchone()[0]
    finally:
        for process in servers:
            stop_server(process)
        drop_database(base_url, name)
        shutil.rmtree(instance_dir, ignore_errors=True)

    page, minimal = results["page"], results["minimal"]
    ratio = page["rps"] / minimal["rps"] if minimal["rps"] else 0.0
    summary = {
        "benchmark": "scan",
        "codes": args.codes,
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "gunicorn": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "page_rps": round(page["rps"], 1),
        "minimal_rps": round(minimal["rps"], 1),
        "ratio": round(ratio, 3),
        "goal_ratio": GOAL_RATIO,
        "page_p50_ms": round(page["p50_us"] / 1000, 1),
        "page_p99_ms": round(page["p99_us"] / 1000, 1),
        "page_worst_p99_ms": round(page["worst_p99_us"] / 1000, 1),
        "minimal_p99_ms": round(minimal["p99_us"] / 1000, 1),
        "goal_p99_ms": GOAL_P99_MS,
        "page_errors": page["errors"],
        "minimal_errors": minimal["errors"],
        "scan_log_rows": logged,
        "scan_count_sum": counted,
        "ratio_goal_met": ratio >= GOAL_RATIO,
        "p99_goal_met": page["p99_us"] / 1000 < GOAL_P99_MS,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
