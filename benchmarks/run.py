"""Rapport's benchmarks: `./rapport bench <command>`.

    ./rapport bench generate [--scale 1.0] [--years 3]   build the dataset (generate.py)
    ./rapport bench run [--only TEXT ...]               measure the production configuration

`run` starts the production server configuration (`rapport serve --no-demo --no-worker
--workers N`: uvicorn, N processes, Redis for the bus when REDIS_URL is set) on the database of
DATABASE_URL, and drives it over HTTP on loopback. Single requests are sent by `wrk` (C, one
thread, a fixed number of connections, a Lua script rotating the paths); the dashboard, whose
one load is fifteen requests six at a time, by an httpx client in this process. For each
scenario it prints p50 / p95 / p99 latency, throughput, the database floor (every SQL statement
the request sends, captured from one in-process request and replayed on one direct connection,
median of repeats) and the ratio of p50 to that floor.

Benchmarks are never part of the test suite's pass or fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
USAGE = __doc__


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE.strip())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    sys.path.insert(0, str(HERE))
    if command == "generate":
        import generate

        return generate.main(rest)
    if command == "run":
        import runner

        return runner.main(rest)
    print(f"rapport bench: unknown command {command!r}\n\n{USAGE.strip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
