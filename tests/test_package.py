"""What hassfest and the HACS action would check, if they could run here.

Each test reads the shipped files the way Home Assistant or HACS reads them, so a missing
translation, a mis-ordered manifest or an unauthenticated view fails CI instead of a user.
"""

from __future__ import annotations

import ast
import json
import re
import struct
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml
from awesomeversion import AwesomeVersion
from homeassistant.components import modbus as core_modbus
from homeassistant.const import __version__ as ha_version
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "custom_components" / "prepaid_utility"
TRANSLATIONS = PACKAGE / "translations"
LANGUAGES = ("en", "zh-Hans")

# Views allowed to be reached without a Home Assistant login, each because it proves who is
# calling by other means (named here with the function it must call before anything else).
UNAUTHENTICATED_VIEWS: dict[str, str] = {"PaymentWebhookView": "verify_signature"}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _translations(lang: str) -> dict[str, Any]:
    return _json(TRANSLATIONS / f"{lang}.json")


def _leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from _leaves(value, path)
        else:
            yield path, value


def _python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_manifest_keys_and_order() -> None:
    manifest = _json(PACKAGE / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"], "hassfest wants domain, then name, first"
    assert keys[2:] == sorted(keys[2:]), "hassfest wants the other keys in alphabetical order"
    required = {
        "domain", "name", "codeowners", "config_flow", "dependencies", "documentation",
        "integration_type", "iot_class", "issue_tracker", "requirements", "version",
        "after_dependencies",
    }  # fmt: skip
    assert required <= set(manifest), f"missing: {required - set(manifest)}"
    assert manifest["domain"] == PACKAGE.name
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "hub"
    assert manifest["iot_class"] == "local_polling"
    assert {"http", "frontend"} <= set(manifest["dependencies"])
    assert "recorder" in manifest["after_dependencies"]
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["issue_tracker"].startswith("https://")


def test_pymodbus_requirement_admits_core_pin() -> None:
    """Our range must include the pymodbus that HA core's modbus integration pins."""
    manifest = _json(PACKAGE / "manifest.json")
    reqs = {Requirement(r).name: Requirement(r) for r in manifest["requirements"]}
    core = _json(Path(core_modbus.__file__).parent / "manifest.json")
    core_pin = next(Requirement(r) for r in core["requirements"] if r.startswith("pymodbus"))
    pinned = next(iter(core_pin.specifier)).version
    assert reqs["pymodbus"].specifier.contains(pinned), (reqs["pymodbus"], pinned)
    assert version("pymodbus") == pinned, "tests must run against core's pinned pymodbus"


def test_hacs_json() -> None:
    hacs = _json(REPO / "hacs.json")
    allowed = {
        "name", "content_in_root", "zip_release", "filename", "hide_default_branch",
        "country", "homeassistant", "render_readme", "persistent_directory",
    }  # fmt: skip
    assert set(hacs) <= allowed, f"unknown keys: {set(hacs) - allowed}"
    assert hacs["name"]
    assert hacs["homeassistant"] == ha_version, "minimum HA version must be the one tested"
    assert (REPO / "README.md").is_file()


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    english = dict(_leaves(_translations("en")))
    for lang in LANGUAGES[1:]:
        other = dict(_leaves(_translations(lang)))
        assert set(other) == set(english), (
            f"{lang}: missing {sorted(set(english) - set(other))}, "
            f"extra {sorted(set(other) - set(english))}"
        )
        for key, text in english.items():
            placeholders = set(re.findall(r"\{(\w+)\}", str(text)))
            assert set(re.findall(r"\{(\w+)\}", str(other[key]))) == placeholders, (lang, key)


def test_services_are_described_translated_and_have_icons() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8")) or {}
    icons = _json(PACKAGE / "icons.json").get("services", {})
    for lang in LANGUAGES:
        translated = _translations(lang).get("services", {})
        assert set(translated) == set(services), lang
        for service, spec in services.items():
            assert translated[service].get("name"), (lang, service)
            assert translated[service].get("description"), (lang, service)
            for field in (spec or {}).get("fields", {}):
                if field == "advanced_fields":
                    continue
                assert translated[service]["fields"][field]["name"], (lang, service, field)
    assert set(icons) == set(services)


def _flow_strings() -> dict[str, set[str]]:
    """Step ids, error keys and abort reasons used by the flows, read from the source."""
    found: dict[str, set[str]] = {"step": set(), "error": set(), "abort": set()}
    for path in _python_files():
        if "flow" not in path.name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        if kw.arg == "step_id":
                            found["step"].add(kw.value.value)
                        elif kw.arg == "reason":
                            found["abort"].add(kw.value.value)
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in {
                    "_abort_if_unique_id_configured",
                    "_abort_if_unique_id_mismatch",
                }:
                    found["abort"].add(
                        "already_configured"
                        if func.attr.endswith("configured")
                        else "unique_id_mismatch"
                    )
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Subscript)
                and isinstance(node.targets[0].value, ast.Name)
                and node.targets[0].value.id == "errors"
                and isinstance(node.value, ast.Constant)
            ):
                found["error"].add(node.value.value)
    return found


def test_every_flow_step_error_and_abort_is_translated() -> None:
    used = _flow_strings()
    assert "user" in used["step"]
    for lang in LANGUAGES:
        config = _translations(lang)["config"]
        for step in used["step"]:
            assert step in config["step"], (lang, "step", step)
        for error in used["error"]:
            assert error in config.get("error", {}), (lang, "error", error)
        for reason in used["abort"]:
            assert reason in config.get("abort", {}), (lang, "abort", reason)


def _view_classes() -> Iterator[tuple[Path, ast.ClassDef]]:
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                yield path, node


def test_no_view_turns_authentication_off() -> None:
    for path, cls in _view_classes():
        for stmt in cls.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else []
            for target in targets:
                if not (isinstance(target, ast.Name) and target.id == "requires_auth"):
                    continue
                value = ast.literal_eval(stmt.value)  # type: ignore[union-attr]
                if value is not False:
                    continue
                guard = UNAUTHENTICATED_VIEWS.get(cls.name)
                assert guard, f"{path.name}: {cls.name} sets requires_auth = False"
                source = ast.unparse(cls)
                assert guard in source, f"{cls.name} must call {guard}"


def test_quality_scale_statuses_are_known() -> None:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    for rule, status in rules.items():
        value = status["status"] if isinstance(status, dict) else status
        assert value in {"done", "todo", "exempt"}, rule
        if value == "exempt":
            assert isinstance(status, dict), f"{rule}: exempt needs a comment"
            assert status.get("comment"), rule


@pytest.mark.parametrize(("name", "size"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_brand_icons(name: str, size: int) -> None:
    data = (PACKAGE / "brand" / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (size, size)
