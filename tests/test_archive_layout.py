"""The archive owns the SQLite file and its schema, and the project's imports point down.

Read from the source with ``ast``, so an import inside a function counts as much as one
at the top of a module (a hidden cycle is still a cycle).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("crawler", "spiders", "pipelines", "exports")
ARCHIVE = ROOT / "crawler" / "archive"

# A schema statement in SQL text: CREATE [UNIQUE] INDEX, TABLE, [VIRTUAL] TABLE, TRIGGER, VIEW.
SCHEMA_SQL = re.compile(
    r"\bcreate\s+(?:temp\s+|temporary\s+)?(?:unique\s+)?(?:virtual\s+)?(?:table|index|trigger|view)\b",
    re.IGNORECASE,
)
# The same through sqlite-utils: table.create(...), create_index, enable_fts, add_column ...
SCHEMA_METHODS = {"create_index", "enable_fts", "add_column", "create_view", "create_table"}


def project_modules() -> dict[str, Path]:
    """Return every project module by dotted name."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def schema_statements(path: Path) -> list[str]:
    """Return the schema statements of a module, as 'line: text'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SCHEMA_SQL.search(node.value):
                found.append("%d: %s" % (node.lineno, node.value.strip()[:60]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            table_create = name == "create" and (
                isinstance(node.func.value, ast.Subscript)
                or (
                    isinstance(node.func.value, ast.Call)
                    and isinstance(node.func.value.func, ast.Attribute)
                    and node.func.value.func.attr == "table"
                )
            )
            if name in SCHEMA_METHODS or table_create:
                found.append("%d: .%s(...)" % (node.lineno, name))
    return found


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the project modules ``name`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update("%s.%s" % (base, alias.name) for alias in node.names)
    found = set()
    for target in targets:
        # ``import a.b.c`` runs a, a.b and a.b.c: each package on the way is imported.
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            # A module's own packages are initialised before it runs: no dependency.
            if prefix in known and prefix != name and not name.startswith(prefix + "."):
                found.add(prefix)
    return found


def import_graph() -> dict[str, set[str]]:
    """Return module -> project modules it imports."""
    modules = project_modules()
    known = set(modules)
    return {name: imported_modules(name, path, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a list of modules, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def sqlite_openings(path: Path) -> list[str]:
    """Return where a module opens a SQLite file: ``sqlite3.connect``, ``sqlite_utils.Database``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module in ("sqlite3", "sqlite_utils"):
            names = {alias.name for alias in node.names} & {"connect", "Database"}
            found += ["%d: from %s import %s" % (node.lineno, node.module, n) for n in names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr)
            in (("sqlite3", "connect"), ("sqlite_utils", "Database"))
        ):
            found.append("%d: %s.%s(...)" % (node.lineno, node.func.value.id, node.func.attr))
    return found


def test_schema_statements_live_only_in_the_archive_package():
    outside = {
        str(path.relative_to(ROOT)): found
        for path in project_modules().values()
        if not path.is_relative_to(ARCHIVE) and (found := schema_statements(path))
    }
    assert not outside, outside


def test_the_schema_check_sees_sql_and_sqlite_utils_statements():
    # The archive itself has both kinds: the check would notice them anywhere else.
    statements = [s for path in sorted(ARCHIVE.glob("*.py")) for s in schema_statements(path)]
    assert any("virtual table" in s.lower() for s in statements)
    assert any("trigger" in s.lower() for s in statements)
    assert any(".create_index" in s for s in statements)
    assert any(".create(" in s for s in statements)


def test_only_the_archive_opens_sqlite():
    # Others get a connection or a path from it (datasette opens its own, in crawler/web/serve).
    outside = {
        str(path.relative_to(ROOT)): found
        for path in project_modules().values()
        if not path.is_relative_to(ARCHIVE) and (found := sqlite_openings(path))
    }
    assert not outside, outside


def test_the_opening_check_sees_both_ways_of_opening():
    found = [s for path in sorted(ARCHIVE.glob("*.py")) for s in sqlite_openings(path)]
    assert any("sqlite3.connect" in s for s in found)
    assert any("sqlite_utils.Database" in s or "import Database" in s for s in found)


def test_the_archive_imports_nothing_above_it():
    graph = import_graph()
    above = (
        "crawler.ops",
        "crawler.web",
        "crawler.cli",
        "crawler.distributed",
        "spiders",
        "pipelines",
        "exports",
    )
    reached = {
        name: sorted(target for target in targets if target.startswith(above))
        for name, targets in graph.items()
        if name.startswith("crawler.archive")
    }
    assert not any(reached.values()), reached


def test_project_modules_import_no_cycle_even_inside_functions():
    assert find_cycle(import_graph()) is None, " -> ".join(find_cycle(import_graph()) or [])


def test_the_cycle_check_finds_a_cycle_through_a_function_import():
    graph = import_graph()
    graph["crawler.archive.articles"] = graph["crawler.archive.articles"] | {"crawler.ops.monitor"}
    cycle = find_cycle(graph)
    assert cycle is not None
    assert "crawler.ops.monitor" in cycle


def room(module: str) -> str:
    """Return the room a module lives in: a subpackage of crawler/, else its top package.

    A module at the top of crawler/ (settings, items, the CLI …) is a room of its own.
    """
    parts = module.split(".")
    if parts[0] != "crawler":
        return parts[0]
    if len(parts) > 1 and (ROOT / "crawler" / parts[1]).is_dir():
        return ".".join(parts[:2])
    return module


def room_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Return room -> the other rooms its modules import."""
    rooms: dict[str, set[str]] = {}
    for name, targets in graph.items():
        here = room(name)
        rooms.setdefault(here, set()).update(room(t) for t in targets if room(t) != here)
    return rooms


def test_rooms_import_no_cycle_so_arrows_point_down():
    # pipelines/ and crawler/distributed/ once imported each other: the worker pipeline took
    # its Redis key names from the workers, and ingest runs the pipelines.
    cycle = find_cycle(room_graph(import_graph()))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_room_cycle_check_finds_pipelines_importing_the_workers():
    graph = import_graph()
    graph["pipelines.redis_queue"] = graph["pipelines.redis_queue"] | {
        "crawler.distributed.workers"
    }
    cycle = find_cycle(room_graph(graph))
    assert cycle is not None
    assert {"pipelines", "crawler.distributed"} <= set(cycle)


def reached_from(graph: dict[str, set[str]], start: str, prefixes: tuple[str, ...]) -> list[str]:
    """Return the modules with one of ``prefixes`` that ``start`` imports itself."""
    return sorted(t for t in graph[start] if t.startswith(prefixes))


def test_the_middlewares_import_neither_the_archive_nor_the_workers():
    # The known URLs come from the function XIETONG_INCREMENTAL_KNOWN_URLS names.
    graph = import_graph()
    assert not reached_from(
        graph, "crawler.middlewares", ("crawler.archive", "crawler.distributed")
    )


def test_the_middleware_check_sees_an_archive_import():
    graph = import_graph()
    graph["crawler.middlewares"] = graph["crawler.middlewares"] | {"crawler.archive"}
    assert reached_from(graph, "crawler.middlewares", ("crawler.archive",)) == ["crawler.archive"]


def test_pipelines_import_nothing_from_the_spider():
    # Both fetch; what they share (how a failure is named) lives below them.
    graph = import_graph()
    reached = {
        name: reached_from(graph, name, ("spiders",))
        for name in graph
        if name.startswith("pipelines")
    }
    assert not any(reached.values()), reached


def third_party_imports(path: Path) -> set[str]:
    """Return the top-level names of every module a file imports anywhere in its source."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_cleaner_reaches_no_crawler_framework_or_database():
    # crawler/clean is plain functions over bytes and trees: no Scrapy, Twisted or SQLite,
    # directly or through any project module it imports.
    modules, graph = project_modules(), import_graph()
    forbidden = {"scrapy", "twisted", "sqlite3", "sqlite_utils", "datasette"}
    for start in (name for name in modules if name.startswith("crawler.clean")):
        seen, todo = {start}, [start]
        while todo:
            current = todo.pop()
            reached = third_party_imports(modules[current]) & forbidden
            assert not reached, "%s reaches %s through %s" % (start, sorted(reached), current)
            todo.extend(graph[current] - seen)
            seen |= graph[current]


def test_the_cleaner_check_sees_a_forbidden_import():
    assert "scrapy" in third_party_imports(ROOT / "spiders" / "sources_spider.py")


def test_no_digest_module_is_longer_than_one_job():
    # The digest was one 984-line file doing six jobs; each job is now a module of exports/.
    long = {
        path.name: lines
        for path in sorted((ROOT / "exports").glob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not long, long


PROCESS_MODULES = {"multiprocessing", "concurrent", "subprocess", "signal", "threading"}


def test_the_cleaner_runs_no_processes_or_threads():
    # Worker processes and their parent watch are the strip pipeline's
    # (pipelines/strip_chrome_worker.py); the cleaning package stays plain functions.
    found = {
        str(path.relative_to(ROOT)): sorted(reached)
        for path in sorted((ROOT / "crawler" / "clean").glob("*.py"))
        if (reached := third_party_imports(path) & PROCESS_MODULES)
    }
    assert not found, found


def test_the_process_check_sees_the_strip_pipelines_worker():
    assert "threading" in third_party_imports(ROOT / "pipelines" / "strip_chrome_worker.py")


def environment_reads(path: Path) -> list[int]:
    """Return the lines where a module reads ``os.environ`` or ``os.getenv``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and node.attr in ("environ", "getenv")
    ]


def test_only_the_settings_module_reads_the_environment():
    settings = ROOT / "crawler" / "settings.py"
    outside = {
        str(path.relative_to(ROOT)): lines
        for path in project_modules().values()
        if path != settings and (lines := environment_reads(path))
    }
    assert not outside, outside
    assert environment_reads(settings)  # the check sees a read where there is one
