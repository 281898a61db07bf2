"""The rules of the house that a reader should not have to police by eye (docs/decisions/0005).

Imports run one way down APP_ORDER: an earlier app never imports a later one, not even inside a
function; a later app listens to an earlier one's signals instead. No module imports itself back
through others. Views fetch, call and render: the queries and the audit of what they read live in
selectors and services.
"""

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENING = ROOT / "screening"

# The one list of the order: a participant's path through the programme (docs/architecture.md).
APP_ORDER = [
    "core",
    "patients",
    "campaigns",
    "imaging",
    "inference_jobs",
    "reading",
    "outcomes",
    "statistics",
    "monitoring",
    "policies",
    "promotion",
    "research",
    "outbound",
    "fhir",
]
# Wiring and the demo put the apps together, so they may import any of them.
ANY_APP = {"config", "demo"}
# Plain maths below every app: it imports no Django and no other screening module, so any app may
# import it without turning the order round (numpy and the standard library only).
PURE_MATHS = "screening.statistics.maths"
PURE_MATHS_MAY_IMPORT = {"numpy", "__future__"} | set(sys.stdlib_module_names)


def _modules() -> dict[str, Path]:
    """Every module under screening/ by dotted name (migrations included: they import too)."""
    modules = {}
    for path in sorted(SCREENING.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every screening module that `module` imports, at any depth of its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from screening.x import y` imports the module y when there is one, else x.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "screening":
                yield node.lineno, name


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _rank(app: str) -> int:
    return APP_ORDER.index(app)


def test_the_order_check_refuses_an_import_up_the_list():
    assert _against_the_order("screening.core.views", "screening.campaigns.campaign_selectors")
    assert _against_the_order("screening.patients.models", "screening.demo.models")
    assert not _against_the_order("screening.reading.views", "screening.imaging.models")
    assert not _against_the_order("screening.demo.demo_cohort", "screening.reading.models")
    assert not _against_the_order("screening.core.views", "screening.statistics.maths.disclosure")
    assert _against_the_order("screening.core.views", "screening.statistics.kpi_selectors")


def test_every_app_has_its_place_in_the_import_order():
    apps = {_app(module) for module in MODULES if _app(module)}
    assert apps - ANY_APP - set(APP_ORDER) == set(), "add the new app to APP_ORDER (and docs/architecture.md)"


def _is_pure_maths(module: str) -> bool:
    return module == PURE_MATHS or module.startswith(f"{PURE_MATHS}.")


def _against_the_order(module: str, imported: str) -> bool:
    if _is_pure_maths(imported):
        return False
    importer, target = _app(module), _app(imported)
    if importer not in APP_ORDER or target == importer:
        return False
    return target not in APP_ORDER or _rank(target) > _rank(importer)


def test_no_app_imports_a_later_app():
    against_the_order = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {imported}"
        for module in MODULES
        for line, imported in _imported(module, MODULES[module])
        if _against_the_order(module, imported)
    ]
    assert against_the_order == []


def _top_level_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every absolute import of a file; relative ones stay inside its package."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.lineno, node.module or ""


def test_the_statistics_maths_imports_no_django_and_no_app():
    pure = [module for module in MODULES if _is_pure_maths(module)]
    assert pure, f"{PURE_MATHS} moved: update PURE_MATHS"
    outside = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {imported}"
        for module in pure
        for line, imported in _top_level_imports(MODULES[module])
        if imported.split(".")[0] not in PURE_MATHS_MAY_IMPORT and not _is_pure_maths(imported)
    ]
    assert outside == []


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        graph[module] = set()
        for _, imported in _imported(module, path):
            # An imported package runs its __init__; the graph follows modules, not packages' parents.
            while imported not in MODULES and "." in imported:
                imported = imported.rpartition(".")[0]
            if imported != module and imported in MODULES:
                graph[module].add(imported)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _view_modules() -> list[Path]:
    return [path for path in sorted(SCREENING.rglob("*.py")) if path.name.endswith("views.py")]


VIEW_READS_OR_AUDITS = re.compile(r"\.objects\b|\baudit_record")


@pytest.mark.parametrize("path", _view_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_views_leave_queries_and_audit_to_selectors_and_services(path):
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if VIEW_READS_OR_AUDITS.search(line)
    ]
    assert offending == []


MODULE_MAX_LINES = 400  # the house style: split a module when it passes ~400 lines


def test_no_module_outgrows_what_a_reader_takes_in_at_once():
    long_modules = {
        str(path.relative_to(ROOT)): length
        for path in MODULES.values()
        if "migrations" not in path.parts
        and (length := len(path.read_text().splitlines())) > MODULE_MAX_LINES
    }
    assert long_modules == {}
