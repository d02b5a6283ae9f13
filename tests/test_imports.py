"""Structure of the package: no import cycle, no over-long function.

The import graph is read from the source with `ast` (nothing is imported), every import
counted: module level, inside functions and under `if TYPE_CHECKING:` alike, since each one is a
dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "narrator"
MAX_FUNCTION_LINES = 80


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """narrator/attribute/core.py → narrator.attribute.core; a package's __init__ is the package."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module `name` (source at `path`) imports."""
    is_package = path.name == "__init__.py"
    here = name if is_package else name.rpartition(".")[0]
    root = name.split(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from . import x`: an edge to the submodule x when there is one, else to the package
            subs = [f"{target}.{alias.name}" for alias in node.names]
            targets = [s for s in subs if s in modules] or [target]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != root:
                continue  # not ours ("import pyttsx3" in narrator/engines/pyttsx3.py is the library)
            while target not in modules and "." in target:
                target = target.rpartition(".")[0]  # `import narrator.types.Foo` names a module prefix
            if target in modules and target != name:
                found.add(target)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = package_modules(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Every strongly connected component of more than one module (Tarjan), as sorted tuples."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

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
                found.append(tuple(sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_graph_sees_real_imports() -> None:
    """The graph has the edges a reader sees: absolute, relative, `from . import submodule`."""
    graph = import_graph()
    assert "narrator.types" in graph["narrator.cli"] or "narrator.pipeline" in graph["narrator.cli"]
    assert "narrator.attribute.core" in graph["narrator.attribute"]
    assert "narrator.types" in graph["narrator.attribute.data"]


def test_cycle_finder_names_a_cycle(tmp_path: Path) -> None:
    """A package whose modules import each other in a circle is reported, members named."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import X\n")
    (pkg / "c.py").write_text("def f():\n    from pkg import a\n")
    (pkg / "d.py").write_text("import pkg.c\nimport os\n")
    # a package that loads its submodule e, which takes its sibling with `from . import f`: no cycle
    (pkg / "sub" / "__init__.py").write_text("def load():\n    from .e import E\n")
    (pkg / "sub" / "e.py").write_text("from . import f\nimport e\n")
    (pkg / "sub" / "f.py").write_text("")
    graph = import_graph(pkg)
    assert graph["pkg.sub.e"] == {"pkg.sub.f"}
    assert cycles(graph) == [("pkg.a", "pkg.c", "pkg.sub.b")]


def test_no_import_cycle() -> None:
    """No module of narrator imports, directly or not, a module that imports it."""
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def functions(root: Path) -> list[tuple[int, str]]:
    out = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                out.append((lines, f"{path.relative_to(root.parent)}:{node.lineno} {node.name}"))
    return out


def test_functions_are_short() -> None:
    """Every function (and method, and nested function) of the package fits on a screen."""
    long = sorted(f for f in functions(PACKAGE) if f[0] > MAX_FUNCTION_LINES)
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"
