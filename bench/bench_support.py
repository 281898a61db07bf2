"""What the benchmarks share: a throwaway database, a timer, and a user with a role."""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def throwaway_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """Point Django at a fresh database; returns (description, teardown).

    With DATABASE_URL set, Django's test utilities create `test_<name>` and drop it at the end;
    without it, SQLite in a temporary directory.
    """
    # The audit chain's checkpoints of a throwaway database go with it (and leave var/ alone).
    checkpoints = tempfile.TemporaryDirectory(prefix=prefix)
    os.environ["AUDIT_CHECKPOINT_PATH"] = f"{checkpoints.name}/audit-checkpoints.log"
    if not os.environ.get("DATABASE_URL"):
        directory = tempfile.TemporaryDirectory(prefix=prefix)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory.name}/bench.sqlite3"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)

        def remove_files() -> None:
            directory.cleanup()
            checkpoints.cleanup()

        return "SQLite (file in a temporary directory)", remove_files
    import django

    django.setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)

    def teardown() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        checkpoints.cleanup()

    return f"PostgreSQL ({test_name}, created and dropped here)", teardown


def timed(label: str, action: Callable[[], Any]) -> tuple[Any, float]:
    """Run `action`, print how long it took, return (result, seconds)."""
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label:<48} {seconds:8.2f} s")
    return result, seconds


def bench_user(username: str, role: str) -> Any:
    """A user with a role, as an Actor."""
    from django.contrib.auth import get_user_model

    from screening.core.actors import Actor
    from screening.core.roles import Role, role_group

    user = get_user_model().objects.create(username=username)
    user.groups.add(role_group(Role(role)))
    return Actor.for_user(user, ip_address="127.0.0.1")


def scale_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that measures PostgreSQL at scale on a throwaway database."""
    parser.add_argument("--keep", action="store_true", help="keep the database (drop it yourself)")
    parser.add_argument("--database-url", help="a PostgreSQL server (else DATABASE_URL)")


def run_at_scale(
    args: argparse.Namespace,
    prefix: str,
    describe: Callable[[str], str],
    run: Callable[[argparse.Namespace], None],
) -> None:
    """`run(args)` on a throwaway PostgreSQL database (dropped after unless `--keep`)."""
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: this benchmark measures PostgreSQL at scale.")
    database, teardown = throwaway_database(prefix)
    print(describe(database))
    try:
        run(args)
    finally:
        if not args.keep:
            teardown()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc; 0 for one gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """The process and its children (gunicorn's master and workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid] + [int(child) for child in children.read_text().split()] if children.exists() else [pid]


def database_backends() -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (none on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU milliseconds per request of a set of processes over a timed run (less load-sensitive than
    the rate: it counts the work, not the waiting for a CPU)."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.started = cpu_seconds(pids())

    def per_request(self, requests: int) -> float:
        return 1000 * (cpu_seconds(self.pids()) - self.started) / requests
