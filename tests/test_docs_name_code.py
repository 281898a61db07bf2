"""The docs name only code that exists: every function, module or dotted path they quote is defined.

Checked: in docs/*.md and docs/decisions/*.md, what stands in backticks, and snake_case names
followed by `(` anywhere. A candidate is a dotted lower-case path (`consent_services.consent_allows`)
or a snake_case word with an underscore (`episode_transition`); file paths, flags, settings
(upper case), URLs and template tags are not candidates. Each part of a candidate must be a name
that the code defines (module, package, class, function, argument, attribute or variable) or
stores (a string value: a status, a model's name, a JSON key), in screening/, inference/, bench/
or tests/, or a name of the libraries the docs explain (listed below).
"""

import ast
import itertools
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([*ROOT.glob("docs/*.md"), *ROOT.glob("docs/decisions/*.md")])
SOURCES = ("screening", "inference", "bench", "tests")

# Names of Django, Celery, pydicom, pynetdicom and PostgreSQL that the docs quote.
LIBRARY_NAMES = {
    "on_commit",
    "select_for_update",
    "skip_locked",
    "encoded_dataset",
    "update_fields",
    "bulk_create",
    "get_or_create",
    "acks_late",
    "reject_on_worker_lost",
    "visibility_timeout",
    "unacked_restore_interval",
    "unacked_restore_throttle",
    "prefetch_multiplier",
    "soft_time_limit",
    "time_limit",
    "pg_stat_statements",
    "pg_trgm",
    "default_storage",
    "dcmread",
    "pixel_array",
    "state_dict",
    "no_grad",
    "inference_mode",
    "set_num_threads",
    "num_threads",
    "interop_threads",
    "freeze",
    "generate_series",
    "synchronous_commit",
    "_run_loop_delay",
    "test_bench_import",  # the throwaway database Django's test utilities name after DATABASE_URL's
}

BACKTICKED = re.compile(r"`([^`\n]+)`")
CALLED = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\(")
CANDIDATE = re.compile(r"(?<![\w./-])([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)(?![\w/-])")


def _names_in(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(re.findall(r"[a-z_][a-z0-9_]*", node.value))  # stored values, keys
    return names


@cache
def module_names() -> dict[str, frozenset[str]]:
    """{module's last name: the names its file(s) use or define}, for screening/, inference/, ..."""
    modules: dict[str, set[str]] = {}
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            if path == Path(__file__):
                continue  # its own examples name what does not exist
            parts = path.relative_to(ROOT).with_suffix("").parts
            for part in parts[:-1]:
                modules.setdefault(part, set())
            modules.setdefault(parts[-1], set()).update(_names_in(path))
    return {name: frozenset(names) for name, names in modules.items()}


@cache
def defined_names() -> frozenset[str]:
    """Every name the code uses or defines, the names of its modules and packages, and LIBRARY_NAMES."""
    modules = module_names()
    return frozenset(set(modules).union(*modules.values()) | LIBRARY_NAMES)


def _exists(token: str) -> bool:
    """Each part is a known name; after a module (not a package), the next is that module's own."""
    parts, modules = token.split("."), module_names()
    if not all(part in defined_names() for part in parts):
        return False
    for part, following in itertools.pairwise(parts):
        if modules.get(part) and following not in modules[part]:
            return False
    return True


def _is_code_path_or_flag(span: str) -> bool:
    """Paths, URLs, template tags, assignments, flags and elided names are not checked."""
    return any(mark in span for mark in ("/", "{", "=", "...")) or span.startswith("-")


def candidates(text: str) -> set[str]:
    """The code references a page makes: see the module docstring."""
    found: set[str] = set()
    for span in BACKTICKED.findall(text):
        if _is_code_path_or_flag(span):
            continue
        for token in CANDIDATE.findall(span):
            if re.search(r"\.(py|md|html|json|txt|csv|dcm|sqlite3|png|yaml|toml|lock|js|css|pt)$", token):
                continue
            if "." in token or "_" in token.strip("_"):
                found.add(token)
    found.update(CALLED.findall(BACKTICKED.sub("", text)))
    return found


def missing(text: str) -> list[str]:
    return sorted(token for token in candidates(text) if not _exists(token))


@pytest.mark.parametrize("page", DOCS, ids=lambda page: str(page.relative_to(ROOT)))
def test_the_docs_name_only_code_that_exists(page):
    assert missing(page.read_text()) == []


def test_the_check_catches_a_name_that_does_not_exist():
    text = "Call `slot_services.read_slot_claim_for_study(actor, study)` or ai_visible_to(user)."
    assert missing(text) == ["ai_visible_to", "slot_services.read_slot_claim_for_study"]


def test_the_check_finds_a_function_named_in_the_wrong_module():
    assert missing("`consent_services.consent_allows`, `patient_services.consent_allows`") == [
        "patient_services.consent_allows"
    ]


def test_the_check_leaves_paths_flags_and_settings_alone():
    text = "See `docs/jobs.md`, `--send upload`, `DATABASE_URL=postgres://x/y`, `INFERENCE_LEASE_SECONDS`."
    assert missing(text) == []
