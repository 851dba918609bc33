"""A live Suyuan stack for browser tests: gunicorn, a Celery worker, and Chromium.

The stack runs on PostgreSQL and Redis when SUYUAN_TEST_DATABASE_URL and
SUYUAN_TEST_REDIS_URL are set, and on the embedded default (SQLite and the serverless
broker) otherwise; CI runs it both ways, the second time with SUYUAN_E2E_EMBEDDED=1.
Chromium comes from Debian (/usr/bin/chromium); without it the tests
skip on a laptop and fail under CI=true.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import IN_CI, TEST_DATABASE_URL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_PASSWORD = "e2e-admin-pass-1"
OUTPUT_DIR = ROOT / "test-output" / "e2e"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server did not become healthy within {timeout} s; see {log}")


class Stack:
    """The running processes and the settings they share."""

    def __init__(self, base_url: str, env: dict[str, str], mode: str, output: Path):
        self.base_url = base_url
        self.env = env
        self.mode = mode
        self.output = output

    def flask(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        message = (
            "Chromium is missing: install Debian's package (apt-get install chromium) to run browser tests"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory, chromium_path):
    """Start the app and a worker on a fresh database; yield a ``Stack``."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "SUYUAN_INSTANCE_DIR": str(instance),
        "SUYUAN_PUBLIC_BASE_URL": base_url,
        "SUYUAN_SECRET_KEY": uuid.uuid4().hex,
        "SUYUAN_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SUYUAN_RATELIMIT_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }
    created_database = None
    mode = "sqlite"
    if TEST_DATABASE_URL and TEST_REDIS_URL:
        mode = "postgresql"
        url = make_url(TEST_DATABASE_URL)
        created_database = f"suyuan_e2e_{uuid.uuid4().hex[:8]}"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{created_database}"'))
        engine.dispose()
        env["SUYUAN_DATABASE_URL"] = url.set(database=created_database).render_as_string(hide_password=False)
        env["SUYUAN_REDIS_URL"] = TEST_REDIS_URL
    elif IN_CI and not os.environ.get("SUYUAN_E2E_EMBEDDED"):
        pytest.fail(
            "the browser test runs on PostgreSQL and Redis in CI: "
            "set SUYUAN_TEST_DATABASE_URL and SUYUAN_TEST_REDIS_URL"
        )

    output = OUTPUT_DIR / mode
    output.mkdir(parents=True, exist_ok=True)
    stack = Stack(base_url, env, mode, output)
    stack.flask("db", "upgrade")
    stack.flask("suyuan", "init")
    stack.flask("suyuan", "create-admin")

    worker_log = output / "worker.log"
    server_log = output / "server.log"
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks.worker",
            "worker",
            "--loglevel=info",
            "--concurrency=2",
        ],
        cwd=ROOT,
        env=env,
        stdout=worker_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--access-logfile",
            "-",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_health(base_url, server, server_log)
        yield stack
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if created_database:
            engine = create_engine(make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{created_database}" WITH (FORCE)'))
            engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
