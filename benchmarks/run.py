"""Run the benchmark: the production server configuration driven over HTTP on loopback.

Starts uvicorn with several worker processes on the configured database (PostgreSQL for the
published figures), signs in an administrator and a seller of the benchmark workspace (built by
`generate.py`), then for each scenario sends requests at a fixed concurrency and prints p50, p95
and p99 latency, throughput, and the time the database itself needs for the same answer (the
"floor": the scenario's main SQL run directly, median of repeated runs) with the ratio.

Usage (from the repository root):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench ./rapport bench run
    ./rapport bench run --concurrency 16 --requests 500 --only deals kanban

Benchmarks are never part of the test suite's pass or fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from scenarios import Context, Scenario, build_scenarios  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "RAPPORT_DEBUG": "0", "DB_CONN_MAX_AGE": "600", "RAPPORT_LOG_LEVEL": "ERROR"}
    command = [
        sys.executable, "-m", "uvicorn", "rapport.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the server did not start within 60 s")


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0
    floor: float | None = None

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        if not data:
            return float("nan")
        index = min(len(data) - 1, max(0, round(q * (len(data) - 1))))
        return data[index]


async def drive(client: httpx.AsyncClient, scenario: Scenario, ctx: Context, requests: int, concurrency: int) -> Result:
    result = Result(scenario.name)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def worker() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            statuses = await scenario.call(client, ctx, i)
            result.latencies.append((time.perf_counter() - started) * 1000)
            for status in statuses:
                if status >= 400:
                    result.errors[status] = result.errors.get(status, 0) + 1

    for i in range(min(10, requests)):  # warm-up, not measured
        await scenario.call(client, ctx, i)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.wall = time.perf_counter() - started
    return result


def measure_floor(scenario: Scenario, ctx: Context, repeats: int = 25) -> float | None:
    """Median time of the scenario's SQL run directly; writes are rolled back."""
    if scenario.floor_sql is None:
        return None
    timings = []
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(repeats):
            statements = scenario.floor_sql(ctx, i)
            if not statements:
                return None
            started = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
        transaction.set_rollback(True)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Rapport's HTTP benchmark against a built dataset.")
    parser.add_argument("--slug", default="bench", help="the benchmark workspace (see generate.py)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, one per core)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (default 8)")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per scenario (default 300)")
    parser.add_argument("--only", nargs="*", help="run only scenarios whose name starts with one of these")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    ctx = Context.prepare(args.slug, random.Random(args.seed))
    scenarios = [s for s in build_scenarios() if not args.only or any(s.name.startswith(p) for p in args.only)]
    port = free_port()
    print(f"Rapport benchmark · {connection.vendor} · {args.workers} server processes · concurrency {args.concurrency} · {args.requests} requests per scenario")
    print(f"dataset: {ctx.describe()}")
    server = start_server(port, args.workers)
    results = []
    try:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)

        async def run_one(scenario: Scenario) -> Result:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
                return await drive(client, scenario, ctx, args.requests, args.concurrency)

        print_header()
        for scenario in scenarios:
            result = asyncio.run(run_one(scenario))
            result.floor = measure_floor(scenario, ctx)  # the database alone, outside the event loop
            results.append(result)
            print_row(result, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=20)
    ctx.cleanup()
    return 0


def print_header() -> None:
    print(f"{'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'floor ms':>9} {'p50/floor':>9}  errors")


def print_row(result: Result, requests: int) -> None:
    p50 = result.pct(0.5)
    floor = f"{result.floor:9.2f}" if result.floor is not None else f"{'-':>9}"
    ratio = f"{p50 / result.floor:9.1f}" if result.floor else f"{'-':>9}"
    errors = ", ".join(f"{k}×{v}" for k, v in sorted(result.errors.items())) or "none"
    print(f"{result.name:34} {p50:8.1f} {result.pct(0.95):8.1f} {result.pct(0.99):8.1f} {requests / result.wall:8.0f} {floor} {ratio}  {errors}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
