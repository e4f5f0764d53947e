"""L5 / I4: no float in the money path (billing/ and ledger/), and no Numeric column."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "custom_components" / "prepaid_utility"


def float_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in {"float", "Float", "Numeric", "REAL"}:
            found.append(f"{path.name}:{node.lineno}:{node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in {"Float", "Numeric", "REAL"}:
            found.append(f"{path.name}:{node.lineno}:{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{path.name}:{node.lineno}:{node.value!r}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            found.append(f"{path.name}:{node.lineno}:true-division")
    return found


def test_no_float_in_money_path() -> None:
    files = sorted([*PACKAGE.glob("billing/*.py"), *PACKAGE.glob("ledger/*.py")])
    assert files
    uses = [use for path in files for use in float_uses(path)]
    print(f"files_scanned={len(files)} float_uses={len(uses)}")
    assert uses == []
