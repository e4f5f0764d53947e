"""The shape of the house: which module may import which, read from the source (ast).

Rules (each test below can fail on its own):
- the core (``billing/``, ``ledger/``, ``meters/``, ``payments/``) imports no Home Assistant;
  ``billing/`` only the standard library, ``ledger/`` only ``billing/`` and SQLAlchemy,
  ``meters/`` only pymodbus / pyserial, ``payments/`` only cryptography;
- nothing outside ``ledger/`` imports SQLAlchemy or ``ledger.schema``;
- the feature packages form one chain, each importing only the core, ``const``, ``events``,
  ``repair_issues`` and the features to its left;
- ``flows/`` and ``actions/`` import neither each other nor a platform;
- no feature imports a platform, ``coordinator`` or ``entity``;
- no module imports the package's ``__init__``, and no import cycle runs between modules.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "custom_components.prepaid_utility"
ROOT = Path(__file__).parent.parent / "custom_components" / "prepaid_utility"

CORE = ("billing", "ledger", "meters", "payments")
CHAIN = ("gateway", "accounts", "tariffs", "supply", "usage", "money", "statements")
SHARED = ("const", "events", "repair_issues")
PLATFORMS = ("sensor", "binary_sensor", "switch", "valve", "select", "button")
CORE_THIRD_PARTY = {
    "billing": set(),
    "ledger": {"sqlalchemy"},
    "meters": {"pymodbus", "serial"},
    "payments": {"cryptography"},
}
CORE_MAY_IMPORT = {"billing": set(), "ledger": {"billing"}, "meters": set(), "payments": set()}


@dataclass(frozen=True, slots=True)
class Import:
    """One imported name: the module it resolves to, inside the package or not."""

    importer: str  # dotted, relative to the package ("" is the package's __init__)
    target: str  # dotted; relative to the package when ``internal``
    internal: bool
    line: int


def _modules(root: Path = ROOT) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(modules: dict[str, Path]) -> list[Import]:
    """Return every import of every module, resolved (``from . import x`` to ``x``)."""
    found: list[Import] = []
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        package = [p for p in package if p]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.extend(_absolute(name, a.name, modules, node.lineno) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    base = node.module or ""
                    found.extend(
                        _absolute(name, f"{base}.{a.name}", modules, node.lineno)
                        for a in node.names
                    )
                    continue
                up = package[: len(package) - (node.level - 1)]
                base = ".".join([*up, *([node.module] if node.module else [])])
                for alias in node.names:
                    candidate = f"{base}.{alias.name}" if base else alias.name
                    target = candidate if candidate in modules else base
                    found.append(Import(name, target, True, node.lineno))
    return found


def _absolute(importer: str, dotted: str, modules: dict[str, Path], line: int) -> Import:
    if dotted == PACKAGE or dotted.startswith(f"{PACKAGE}."):
        inner = dotted.removeprefix(PACKAGE).removeprefix(".")
        while inner and inner not in modules:
            inner = inner.rpartition(".")[0]
        return Import(importer, inner, True, line)
    # "a.b.c" imported as a module, or "a.b" + name: the top-level distribution decides.
    return Import(importer, dotted, False, line)


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _stdlib(dotted: str) -> bool:
    return _top(dotted) in sys.stdlib_module_names or _top(dotted) == "__future__"


def broken_core_rules(found: list[Import]) -> list[str]:
    """Return the core's imports that break its rules."""
    broken = []
    for imp in found:
        ring = _top(imp.importer)
        if ring not in CORE:
            continue
        if imp.internal:
            if _top(imp.target) != ring and _top(imp.target) not in CORE_MAY_IMPORT[ring]:
                broken.append(f"{imp.importer}:{imp.line} imports {imp.target}")
        elif not _stdlib(imp.target) and _top(imp.target) not in CORE_THIRD_PARTY[ring]:
            broken.append(f"{imp.importer}:{imp.line} imports {imp.target}")
    return broken


def broken_sql_rules(found: list[Import]) -> list[str]:
    """Return imports of SQLAlchemy or the ledger's tables from outside ``ledger/``."""
    return [
        f"{imp.importer}:{imp.line} imports {imp.target}"
        for imp in found
        if _top(imp.importer) != "ledger"
        and (
            (not imp.internal and _top(imp.target) == "sqlalchemy")
            or (imp.internal and imp.target == "ledger.schema")
        )
    ]


def broken_layer_rules(found: list[Import]) -> list[str]:
    """Return imports against the chain of features and the rules of flows/ and actions/."""
    broken = []
    for imp in found:
        if not imp.internal:
            continue
        src, dst = _top(imp.importer), _top(imp.target)
        if src == dst or imp.importer == "":
            continue
        where = f"{imp.importer}:{imp.line} imports {imp.target}"
        if src in CHAIN:
            left = CHAIN[: CHAIN.index(src)]
            if dst not in (*CORE, *SHARED, *left):
                broken.append(where)
        elif src in ("flows", "actions") and dst in ("flows", "actions", *PLATFORMS):
            broken.append(where)
    return broken


def broken_init_rule(found: list[Import]) -> list[str]:
    """Return imports of the package's ``__init__`` (``from . import X`` of a non-module)."""
    return [
        f"{imp.importer}:{imp.line} imports the package"
        for imp in found
        if imp.internal and imp.target == "" and imp.importer != ""
    ]


def cycles(found: list[Import]) -> list[list[str]]:
    """Return import cycles between modules (one per strongly connected group)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.internal and imp.target != imp.importer:
            graph.setdefault(imp.importer, set()).add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


FOUND = imports_of(_modules())


def test_core_imports_no_home_assistant_and_only_its_own_libraries() -> None:
    """billing/ stdlib, ledger/ + billing + SQLAlchemy, meters/ + pymodbus, payments/ + crypto."""
    assert broken_core_rules(FOUND) == []


def test_only_the_ledger_speaks_sql() -> None:
    """Nothing outside ledger/ imports SQLAlchemy or the ledger's tables."""
    assert broken_sql_rules(FOUND) == []


def test_features_form_one_chain_and_flows_actions_stay_apart() -> None:
    """Features import leftwards only; flows/ and actions/ neither each other nor platforms."""
    assert broken_layer_rules(FOUND) == []


def test_nothing_imports_the_package() -> None:
    """The package's __init__ is imported by Home Assistant only."""
    assert broken_init_rule(FOUND) == []


def test_no_import_cycle() -> None:
    """No module reaches itself through its imports."""
    assert cycles(FOUND) == []


def test_each_rule_can_fail() -> None:
    """Every rule catches a made-up breach (so a passing run means something)."""
    made_up = [
        Import("billing.money", "homeassistant.core", False, 1),
        Import("ledger.store", "statements.build", True, 1),
        Import("meters.hub", "sqlalchemy", False, 1),
        Import("payments.signature", "homeassistant", False, 1),
    ]
    assert len(broken_core_rules(made_up)) == 4
    assert broken_sql_rules([Import("money.fee_book", "ledger.schema", True, 1)])
    assert broken_sql_rules([Import("coordinator", "sqlalchemy.exc", False, 1)])
    assert broken_layer_rules([Import("accounts.setup", "tariffs.runtime", True, 1)])
    assert broken_layer_rules([Import("gateway.bus", "coordinator", True, 1)])
    assert broken_layer_rules([Import("supply.watch", "entity", True, 1)])
    assert broken_layer_rules([Import("money.payments", "sensor", True, 1)])
    assert broken_layer_rules([Import("flows.accounts", "actions.helpers", True, 1)])
    assert broken_layer_rules([Import("actions.money", "flows.fields", True, 1)])
    assert broken_layer_rules([Import("actions.supply", "button", True, 1)])
    assert broken_init_rule([Import("select", "", True, 1)])
    assert cycles([Import("a", "b", True, 1), Import("b", "a", True, 1)]) == [["a", "b"]]
