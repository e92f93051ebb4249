"""`./rapport bench run`: the production server driven over loopback, scenario by scenario.

See run.py for what is measured and how; docs/PERFORMANCE.md for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from scenarios import CREATED_LEAD_PREFIX, Context, Scenario, build  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOT_REPLAYED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
TARGETS = {
    "list": "p95 <= 50 ms",
    "detail": "p95 <= 50 ms",
    "kanban": "p95 <= 50 ms",
    "search": "p95 <= 50 ms",
    "events": "p95 <= 50 ms",
    "dashboard": "p95 <= 250 ms",
    "deep": "p50 within 20% of page 1",
    "create": ">= 300 req/s",
}
BROWSER_CONNECTIONS = 6


@dataclass
class Result:
    scenario: Scenario
    requests: int = 0
    seconds: float = 0.0
    p50: float = float("nan")
    p95: float = float("nan")
    p99: float = float("nan")
    errors: int = 0
    statements: list[str] = field(default_factory=list)
    floor: float | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen:
    """`rapport serve` as production runs it: no demo, no in-process worker, N processes.

    Its output goes to `log`, a file: a pipe nobody reads fills up after 64 KiB of warnings
    and then blocks the server in the middle of a request."""
    env = {**os.environ, "RAPPORT_DEBUG": "false", "RAPPORT_LOG_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).parent / "rapport"), "serve", "--no-demo", "--no-worker", "--workers", str(workers), "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the server did not answer within 120 s")


def server_errors(log: Path) -> list[str]:
    """The server's error lines (tracebacks and 5xx answers) in its log."""
    lines = log.read_text(errors="replace").splitlines()
    return [line for line in lines if "Traceback" in line or line.startswith("ERROR") or ("HTTP/1.1\" 5" in line)]


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the database floor -----------------------------------------------------------------------------


def capture(scenario: Scenario) -> tuple[list[str], int]:
    """Every SQL statement one request of the scenario sends (one dashboard load: all its
    widgets), from the app run in this process inside a transaction that is rolled back."""
    client = Client()
    headers = {}
    if scenario.web:
        client.cookies["sessionid"] = scenario.actor.session
    else:
        headers = scenario.actor.bearer
    paths = scenario.widgets or scenario.paths[:1]
    statements: list[str] = []
    status = 0
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        for path in paths:
            if scenario.method == "POST":
                response = client.post(path, data=json.dumps(lead_body(0)), content_type="application/json", headers=headers)
            else:
                response = client.get(path, headers=headers)
            status = max(status, response.status_code)
        transaction.set_rollback(True)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(NOT_REPLAYED)]
    return statements, status


def floor(statements: list[str], repeats: int = 15) -> float | None:
    """Median time, in ms, to run the statements on one direct connection, in one transaction
    that is rolled back (so the search's SET LOCAL applies as in the app)."""
    if connection.vendor != "postgresql" or not statements:
        return None
    import psycopg

    url = os.environ["DATABASE_URL"]
    timings = []
    with psycopg.connect(url) as conn:
        for i in range(repeats + 2):
            started = time.perf_counter()
            with conn.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql.encode())
                    if cursor.description:
                        cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            conn.rollback()
            if i >= 2:  # the first runs warm the caches
                timings.append(elapsed)
    return statistics.median(timings)


# --- load generators ---------------------------------------------------------------------------------


def lead_body(n: int) -> dict[str, str]:
    return {"title": f"{CREATED_LEAD_PREFIX}{n}", "email": f"lead{n}@example.net", "company": "Benchmark Ltd"}


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(scenario: Scenario) -> str:
    headers = dict(scenario.headers)
    if scenario.method == "POST":
        headers["Content-Type"] = "application/json"
    lua_headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    paths = ",\n  ".join(_lua_string(p) for p in scenario.paths)
    body = json.dumps(lead_body(12345)).replace("12345", "%d")
    return f"""
local paths = {{
  {paths}
}}
local headers = {{ {lua_headers} }}
local counter = 0
local prefix = tostring(os.time())
request = function()
  counter = counter + 1
  local path = paths[(counter - 1) % #paths + 1]
  if {_lua_string(scenario.method)} == "POST" then
    local body = string.format({_lua_string(body)}, counter, counter)
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(base: str, scenario: Scenario, connections: int, seconds: int, warmup: int) -> Result:
    result = Result(scenario)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(wrk_script(scenario))
        script = handle.name
    try:
        for duration, measured in ((warmup, False), (seconds, True)):
            if duration <= 0:
                continue
            out = subprocess.run(
                ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", script, base],
                capture_output=True, text=True, check=False,
            )
            line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")
            if measured:
                requests, micros, p50, p95, p99, status_errors, socket_errors = (int(v) for v in line.split()[1:])
                result.requests, result.seconds = requests, micros / 1e6
                result.p50, result.p95, result.p99 = p50 / 1000, p95 / 1000, p99 / 1000
                result.errors = status_errors + socket_errors
    finally:
        os.unlink(script)
    return result


def run_dashboard(base: str, scenario: Scenario, users: int, seconds: int, warmup: int) -> Result:
    """`users` members each loading the dashboard again and again: one load is every widget,
    at most six requests at a time (a browser's connections per host)."""
    result = Result(scenario)

    async def drive(duration: float, latencies: list[float], statuses: list[int]) -> None:
        limits = httpx.Limits(max_connections=BROWSER_CONNECTIONS * users, max_keepalive_connections=BROWSER_CONNECTIONS * users)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=scenario.headers) as client:
            end = time.perf_counter() + duration

            async def user() -> None:
                gate = asyncio.Semaphore(BROWSER_CONNECTIONS)

                async def one(path: str) -> None:
                    async with gate:
                        response = await client.get(path)
                        statuses.append(response.status_code)

                while time.perf_counter() < end:
                    started = time.perf_counter()
                    await asyncio.gather(*(one(p) for p in scenario.widgets))
                    latencies.append((time.perf_counter() - started) * 1000)

            await asyncio.gather(*(user() for _ in range(users)))

    if warmup > 0:
        asyncio.run(drive(warmup, [], []))
    latencies: list[float] = []
    statuses: list[int] = []
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(drive(seconds, latencies, statuses))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")

    result.requests, result.seconds = len(latencies), wall
    result.p50, result.p95, result.p99 = pct(0.5), pct(0.95), pct(0.99)
    result.errors = sum(1 for s in statuses if s >= 400)
    result.note = f"client CPU {cpu / max(1, len(statuses)) * 1000:.2f} ms/request"
    return result


def check_answers(base: str, scenario: Scenario) -> str:
    """One request of each path kind, to be sure the scenario measures real answers (a page
    that redirects to the sign-in form would look very fast)."""
    paths = scenario.widgets or scenario.paths[:3]
    with httpx.Client(base_url=base, headers=scenario.headers, timeout=60) as client:
        for path in paths:
            if scenario.method == "POST":
                response = client.post(path, json=lead_body(int(time.time())))
                expected = 201
            else:
                response = client.get(path)
                expected = 200
            if response.status_code != expected:
                return f"{path} answered {response.status_code}"
    return ""


# --- the report --------------------------------------------------------------------------------------


def verdict(result: Result, results: list[Result]) -> str:
    target = result.scenario.target
    if result.errors:
        return "ERRORS"
    if not result.requests:
        return "NOT MET (no request finished within the run)"
    if target in ("list", "detail", "kanban", "search", "events"):
        return "met" if result.p95 <= 50 else "NOT MET"
    if target == "dashboard":
        return "met" if result.p95 <= 250 else "NOT MET"
    if target == "create":
        return "met" if result.rate >= 300 else "NOT MET"
    if target == "deep":
        web = "(web)" in result.scenario.name
        first = next((r for r in results if r.scenario.actor is result.scenario.actor and r.scenario.target == "list" and ("(web)" in r.scenario.name) == web), None)
        if first is None or not first.requests:
            return "-"
        return f"{result.p50 / first.p50 * 100 - 100:+.0f}% " + ("met" if result.p50 <= first.p50 * 1.2 else "NOT MET")
    return "-"


def header() -> str:
    return f"{'scenario':42} {'SQL':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'floor ms':>9} {'p50/floor':>9}  target: verdict"


def row(result: Result, results: list[Result]) -> str:
    floor_text = f"{result.floor:9.2f}" if result.floor is not None else f"{'-':>9}"
    ratio = f"{result.p50 / result.floor:9.1f}" if result.floor else f"{'-':>9}"
    target = TARGETS.get(result.scenario.target, "")
    note = f"  ({result.note})" if result.note else ""
    errors = f" [{result.errors} errors]" if result.errors else ""
    return (
        f"{result.scenario.name[:42]:42} {len(result.statements):4d} {result.p50:8.1f} {result.p95:8.1f} {result.p99:8.1f} "
        f"{result.rate:7.0f} {floor_text} {ratio}  {target}: {verdict(result, results)}{errors}{note}"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version") if connection.vendor == "postgresql" else cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return f"{cpu}, {os.cpu_count()} cores; {connection.vendor} {version}; load average {load}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rapport bench run", description="Measure the production configuration over HTTP.")
    parser.add_argument("--slug", default="bench", help="the benchmark workspace (default bench)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2: one per core)")
    parser.add_argument("--connections", type=int, default=4, help="requests in flight at once (default 4)")
    parser.add_argument("--users", type=int, default=1, help="members loading the dashboard at once (default 1)")
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per scenario (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds first (default 3)")
    parser.add_argument("--only", nargs="*", help="only scenarios whose name contains one of these")
    parser.add_argument("--show-sql", action="store_true", help="print each scenario's captured statements")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    if connection.vendor != "postgresql":
        print("note: not PostgreSQL; the published figures are for PostgreSQL (set DATABASE_URL)", file=sys.stderr)

    ctx = Context.prepare(args.slug)
    scenarios = [s for s in build(ctx) if not args.only or any(o in s.name for o in args.only)]
    print(f"Rapport benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(f"dataset: {ctx.describe()}")
    redis = "Redis bus" if os.environ.get("REDIS_URL") else "in-process bus (set REDIS_URL for the production bus)"
    print(f"server: rapport serve --workers {args.workers} (uvicorn), {redis}, DB pool {os.environ.get('DB_POOL_MAX_SIZE', '8')} per process")
    print(f"load: wrk, 1 thread, {args.connections} connections, {args.seconds} s per scenario after {args.warmup} s of warm-up; "
          f"dashboard: httpx, {args.users} member(s), {BROWSER_CONNECTIONS} requests at a time each")
    print("floor: the request's own SQL statements replayed on one direct connection (median of 15)\n")
    for scenario in scenarios:
        scenario.statements_status = capture(scenario)  # type: ignore[attr-defined]
    connection.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"rapport-bench-server-{port}.log"
    server = start_server(port, args.workers, log)
    results: list[Result] = []
    try:
        print(header(), flush=True)
        for scenario in scenarios:
            problem = check_answers(base, scenario)
            if problem:
                print(f"{scenario.name[:42]:42} skipped: {problem}", flush=True)
                continue
            if scenario.widgets:
                result = run_dashboard(base, scenario, args.users, args.seconds, args.warmup)
            else:
                result = run_wrk(base, scenario, args.connections, args.seconds, args.warmup)
            result.statements, _status = scenario.statements_status  # type: ignore[attr-defined]
            result.floor = floor(result.statements)
            results.append(result)
            print(row(result, results), flush=True)
            if args.show_sql:
                for sql in result.statements:
                    print(f"      {sql[:300]}")
    finally:
        stop_server(server)
        ctx.cleanup()
    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    errors = server_errors(log)
    print(f"server log: {log} ({len(errors)} error lines)")
    for line in errors[:20]:
        print(f"  {line[:200]}")
    return 0
