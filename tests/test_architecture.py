"""The shape of the code: no import cycles between or inside our packages, and no imports of our
packages hidden inside functions (a lower layer hands work up by task name or through a small
interface, such as matching's template tags, never by a late import).

The layers themselves are import-linter's contracts (pyproject.toml, `lint-imports`).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "core", "moderation", "matching", "communities", "profiles"]
OURS = set(PACKAGES)


def _import_cycles() -> set[frozenset[str]]:
    """The strongly connected components of more than one module in the import graph of our
    packages (Tarjan's algorithm, iteratively). grimp reads every import statement, those inside
    functions and `if TYPE_CHECKING:` blocks included; we have no TYPE_CHECKING imports, so none
    are excluded (exclude_type_checking_imports stays False)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: set[frozenset[str]] = set()
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.add(frozenset(component))
    return components


def _late_imports() -> dict[str, list[str]]:
    """Imports of our packages inside a function body, by file, outside migrations and tests."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/tests/" in relative:
                continue
            tree = ast.parse(path.read_text(), filename=relative)
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        names = ["." if node.level else (node.module or "")]
                    else:
                        continue
                    if any(name == "." or name.split(".")[0] in OURS for name in names):
                        found.setdefault(relative, []).append(
                            f"{relative}:{node.lineno} in {function.name}()"
                        )
    return found


def test_no_import_cycles_between_or_inside_our_packages():
    cycles = _import_cycles()
    assert not cycles, "Import cycles:\n" + "\n".join(
        " <-> ".join(sorted(cycle)) for cycle in sorted(cycles, key=sorted)
    )


def test_no_imports_of_our_packages_hidden_in_functions():
    late = _late_imports()
    listed = "\n".join(line for lines in late.values() for line in lines)
    assert not late, (
        "Imports inside functions (import at module level, or hand the work up by task name or "
        f"through an interface):\n{listed}"
    )


def test_the_engine_contract_names_every_module_of_matching_outside_the_engine():
    """The engine's forbidden contract lists matching's modules one by one (import-linter cannot
    say "matching but not matching.engine"); a new module must join the list."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert contract["source_modules"] == ["matching.engine"]
    forbidden = set(contract["forbidden_modules"])
    children = {
        f"matching.{path.stem if path.is_file() else path.name}"
        for path in (ROOT / "matching").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert children - {"matching.engine"} <= forbidden
