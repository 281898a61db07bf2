"""Statement triggers that refuse TRUNCATE of locked tables on PostgreSQL (used by migrations).

Row triggers (UPDATE, DELETE) do not fire on TRUNCATE; a BEFORE TRUNCATE statement trigger does,
also for a table that a `TRUNCATE ... CASCADE` of another table reaches. Kept stable: migrations
call these.
"""

from typing import Any


def truncate_lock(schema_editor: Any, *, tables: list[str], function: str) -> None:
    """Make each table refuse TRUNCATE by calling the trigger function `function` (which raises)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"CREATE TRIGGER {table}_truncate_locked BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def truncate_unlock(schema_editor: Any, *, tables: list[str]) -> None:
    """Drop the triggers `truncate_lock` created."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_truncate_locked ON {table}")
