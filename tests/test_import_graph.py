"""The import graph of weaklabel: no cycle but the documented one, no backward import.

Data flows one way (DESIGN.md): data and LFs -> votes -> label models ->
end models and the new wings -> the command line.  The graph is read from the
source with ``ast`` (every ``import`` that runs, function-level ones included;
``if TYPE_CHECKING:`` blocks are skipped), so a test run imports nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "weaklabel"

# Stages in the order data flows.  A module may import modules of its own
# stage or an earlier one, never a later one.  Matching is by the longest
# prefix; a private top-level module not listed here (``weaklabel._name``) is
# infrastructure, in the foundation (so it may import only foundation
# modules); any other module not listed (a new wing) is a "wing".
STAGES: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "weaklabel",
            "weaklabel.typing",
            "weaklabel.exceptions",
            "weaklabel._files",
            "weaklabel._json",
            "weaklabel._version",
            "weaklabel.metrics",
        ),
    ),
    ("validation", ("weaklabel._validation",)),
    (
        "data",
        (
            "weaklabel.io",
            "weaklabel.crowd",
            "weaklabel.synthetic",
            "weaklabel.datasets",
        ),
    ),
    (
        "lfs",
        (
            "weaklabel.lf",
            "weaklabel.calibration",
            "weaklabel.lf_helpers",
            "weaklabel._registry_loader",
        ),
    ),
    ("apply", ("weaklabel.apply", "weaklabel.analysis")),
    ("label_model", ("weaklabel.label_model", "weaklabel.soft_labels")),
    ("end_model", ("weaklabel.trainer", "weaklabel.textmodel", "weaklabel.scale")),
    ("wings", ()),  # active, report, embed, align, app, ...
    # the command line: weaklabel.cli, its parser, and every wing's own cli
    ("front", ("weaklabel.demo", "weaklabel.cli", "weaklabel._cli_parser")),
]
STAGE_NAMES = [name for name, _ in STAGES]

# The one cycle allowed: ``LFRegistry.apply`` (lf.py) calls ``apply_lfs`` with
# a function-level import, so that ``lfs.apply(df)`` works as in Snorkel and
# DESIGN.md; apply.py needs lf.py's types.
ALLOWED_CYCLE_EDGES = {("weaklabel.lf", "weaklabel.apply")}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Absolute names of the weaklabel modules and packages a module imports."""
    out: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            out.update(f"{module}.{a.name}" for a in node.names)
            out.add(module)
        stack.extend(ast.iter_child_nodes(node))
    return {m for m in out if m == "weaklabel" or m.startswith("weaklabel.")}


def _graph() -> dict[str, set[str]]:
    """Module -> the weaklabel modules it imports.

    Importing ``pkg.mod`` runs ``pkg/__init__.py`` first, so an import of a
    submodule from outside its package depends on the package too; from
    inside, the package is an ancestor (already being imported) and is left
    out.  The top-level ``weaklabel`` package is kept: library code must not
    import it (its names are lazy re-exports of the modules).
    """
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {
            target
            for target in _imported(tree, name, path.name == "__init__.py")
            if target in modules
            and target != name
            and (target == "weaklabel" or not name.startswith(target + "."))
        }
    return graph


def _stage(module: str) -> int:
    if module.rpartition(".")[2] == "cli":
        return STAGE_NAMES.index("front")
    private_top = module.count(".") == 1 and module.split(".")[1].startswith("_")
    best = STAGE_NAMES.index("foundation" if private_top else "wings")
    best_len = -1
    for index, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            exact_only = prefix == "weaklabel"
            hit = module == prefix or (
                not exact_only and module.startswith(prefix + ".")
            )
            if hit and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle through a strongly connected component (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def test_the_graph_sees_the_imports_it_should() -> None:
    graph = _graph()
    assert "weaklabel.apply" in graph["weaklabel.lf"]  # function-level import
    assert "weaklabel.io" in graph["weaklabel.apply"]
    assert graph["weaklabel"] <= {"weaklabel._version", "weaklabel.typing"}


def test_library_code_does_not_import_the_top_level_package() -> None:
    graph = _graph()
    assert sorted(v for v, ws in graph.items() if "weaklabel" in ws) == []


def test_no_import_cycle_but_the_documented_one() -> None:
    graph = _graph()
    pruned = {
        v: {w for w in ws if (v, w) not in ALLOWED_CYCLE_EDGES}
        for v, ws in graph.items()
    }
    assert _cycles(pruned) == []
    assert _cycles(graph) == [["weaklabel.apply", "weaklabel.lf"]]


def test_no_backward_import_between_stages() -> None:
    graph = _graph()
    backward = sorted(
        f"{v} ({STAGE_NAMES[_stage(v)]}) imports {w} ({STAGE_NAMES[_stage(w)]})"
        for v, ws in graph.items()
        for w in ws
        if _stage(w) > _stage(v) and (v, w) not in ALLOWED_CYCLE_EDGES
    )
    assert backward == []


@pytest.mark.parametrize(
    ("module", "stage"),
    [
        ("weaklabel", "foundation"),
        ("weaklabel.label_model._base", "label_model"),
        ("weaklabel.report", "wings"),
        ("weaklabel._json", "foundation"),
        ("weaklabel._validation", "validation"),
        ("weaklabel.report.cli", "front"),
        ("weaklabel.scale.io", "end_model"),
        ("weaklabel.lf_helpers", "lfs"),
    ],
)
def test_stage_of(module: str, stage: str) -> None:
    assert STAGE_NAMES[_stage(module)] == stage
