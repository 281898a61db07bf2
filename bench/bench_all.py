"""Every benchmark in bench/, one after another: what `make bench` runs (docs/benchmarks.md).

    .venv/bin/python bench/bench_all.py [--quick] [--database-url postgres://postgres@127.0.0.1:5432/bench]

Each benchmark gets a PostgreSQL database of its own, named after the URL's (`bench_import`,
`bench_ingest`, ...; a throwaway `test_` copy of it, or with `--reuse` the worklist's own), as in
docs/benchmarks.md. When no PostgreSQL server answers at that URL, the two that need one (the
worklist at scale, the inference job path) are skipped or cut to what runs without it, saying so,
and the others run on SQLite. `--quick` runs each at a small size: a check that each still runs,
not figures to quote.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
DEFAULT_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")

# (script, database suffix, needs PostgreSQL, arguments at full size, arguments in --quick)
BENCHMARKS = [
    ("bench_patient_import.py", "import", False, [], ["--rows", "2000", "--baseline-rows", "200"]),
    ("bench_ingestion.py", "ingest", False, [], ["--ct", "40", "--mg", "4", "--senders", "2"]),
    (
        "bench_worklist.py",
        "worklist",
        True,
        [],
        [
            "--episodes",
            "20000",
            "--campaigns",
            "4",
            "--assigned",
            "2",
            "--requests",
            "20",
            "--deep-page",
            "5",
        ],
    ),
    ("bench_worklist_find.py", "mwl", True, [], ["--episodes", "2000", "--requests", "5"]),
    ("bench_inference.py", "inference", True, [], ["--mg", "4", "--ct", "2", "--rounds", "1"]),
    ("bench_statistics.py", "statistics", True, [], ["--quick"]),
    ("bench_export.py", "export", False, [], ["--mg-studies", "1", "--rounds", "1", "--ocr", "1"]),
    ("bench_monitoring.py", "monitoring", True, [], ["--quick"]),
    ("bench_policies.py", "policies", True, [], ["--quick"]),
    ("bench_outbound.py", "outbound", False, [], ["--studies", "4", "--rounds", "1"]),
]


def postgres_reachable(url: str) -> bool:
    """Whether a PostgreSQL server answers at the URL's host (its maintenance database)."""
    try:
        import psycopg
    except ImportError:
        return False
    parts = urlsplit(url)
    try:
        psycopg.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def database_url(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/') or '/bench'}_{suffix}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark at a small size")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL server and name prefix")
    args = parser.parse_args()
    postgres = postgres_reachable(args.database_url)
    if not postgres:
        print(f"No PostgreSQL at {args.database_url}: the benchmarks that need it are skipped or cut.")
    failed = []
    for script, suffix, needs_postgres, full, quick in BENCHMARKS:
        arguments = quick if args.quick else full
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        if postgres:
            env["DATABASE_URL"] = database_url(args.database_url, suffix)
        elif needs_postgres and script == "bench_inference.py":
            arguments = [*arguments, "--skip-jobs"]
            print(f"{script}: the job path (c) needs PostgreSQL; running (a) and (b) only.")
        elif needs_postgres:
            print(f"{script}: skipped, it measures PostgreSQL at scale.")
            continue
        print(f"\n=== {script} {' '.join(arguments)}", flush=True)
        if subprocess.run([sys.executable, str(BENCH / script), *arguments], env=env).returncode:
            failed.append(script)
    if failed:
        print("Failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
