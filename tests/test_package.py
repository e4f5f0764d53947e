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
    # The PostgreSQL ledger tests run on the driver the manifest lets HA install.
    assert reqs["psycopg"].specifier.contains(version("psycopg")), reqs["psycopg"]


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


# Subentry flow classes and the subentry type whose translations they use.
SUBENTRY_FLOWS = {"MeterSubentryFlow": "meter", "AccountSubentryFlow": "account"}


def _flow_section(cls: ast.ClassDef) -> str | None:
    """Which translation section a flow class's steps live in (None: not a flow)."""
    bases = {ast.unparse(base) for base in cls.bases}
    if any("OptionsFlow" in base for base in bases):
        return "options"
    if any("ConfigSubentryFlow" in base for base in bases):
        return f"config_subentries.{SUBENTRY_FLOWS[cls.name]}"
    if any(base == "ConfigFlow" for base in bases):
        return "config"
    return None


def _flow_strings() -> dict[str, dict[str, set[str]]]:
    """Step ids, error keys and abort reasons used by each flow section, read from the source."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [
            (section, node)
            for node in tree.body
            if isinstance(node, ast.ClassDef) and (section := _flow_section(node))
        ]
        if not classes and path.stem == "flow_helpers":
            # Shared validators: their error keys must be translated for every form using them.
            shared: dict[str, set[str]] = {"step": set(), "error": set(), "abort": set()}
            for node in ast.walk(tree):
                _collect(node, shared)
            for section in ("config", *(f"config_subentries.{t}" for t in SUBENTRY_FLOWS.values())):
                found.setdefault(section, {"step": set(), "error": set(), "abort": set()})
                found[section]["error"] |= shared["error"]
            continue
        if not classes:
            continue
        # Module-level helpers (validators) serve the module's main flow.
        sections: list[tuple[str, ast.AST]] = [(classes[0][0], tree), *classes]
        for section, scope in sections:
            used = found.setdefault(section, {"step": set(), "error": set(), "abort": set()})
            nodes = (
                [n for n in scope.body if not isinstance(n, ast.ClassDef)]
                if isinstance(scope, ast.Module)
                else [scope]
            )
            for top in nodes:
                for node in ast.walk(top):
                    _collect(node, used)
    return found


def _collect(node: ast.AST, used: dict[str, set[str]]) -> None:
    if isinstance(node, ast.Call):
        for kw in node.keywords:
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                if kw.arg == "step_id":
                    used["step"].add(kw.value.value)
                elif kw.arg == "reason":
                    used["abort"].add(kw.value.value)
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "_abort_if_unique_id_configured":
                used["abort"].add("already_configured")
            elif func.attr == "_abort_if_unique_id_mismatch":
                used["abort"].add("unique_id_mismatch")
            elif func.attr == "async_update_reload_and_abort":
                used["abort"].add("reconfigure_successful")
    if (
        isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Subscript)
        and isinstance(node.targets[0].value, ast.Name)
        and node.targets[0].value.id == "errors"
        and isinstance(node.value, ast.Constant)
    ):
        used["error"].add(node.value.value)
    if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
        value = node.value.value
        if isinstance(value, str) and value.islower() and "_" in value:
            used["error"].add(value)  # helpers that return an error key


def test_every_flow_step_error_and_abort_is_translated() -> None:
    used = _flow_strings()
    assert "user" in used["config"]["step"]
    for lang in LANGUAGES:
        strings = _translations(lang)
        for section, keys in used.items():
            table = strings
            for part in section.split("."):
                table = table[part]
            for step in keys["step"]:
                assert step in table["step"], (lang, section, "step", step)
            for error in keys["error"]:
                assert error in table.get("error", {}), (lang, section, "error", error)
            for reason in keys["abort"]:
                assert reason in table.get("abort", {}), (lang, section, "abort", reason)


def test_menu_options_are_translated() -> None:
    source = (PACKAGE / "config_flow.py").read_text(encoding="utf-8")
    menu = re.search(r"_MENU = \[(.*?)\]", source, re.S)
    assert menu
    options = [m.lower() for m in re.findall(r"GatewayType\.(\w+)", menu.group(1))]
    options += re.findall(r'"(\w+)"', menu.group(1))  # steps named by a string
    for lang in LANGUAGES:
        labels = _translations(lang)["config"]["step"]["user"]["menu_options"]
        assert set(labels) == set(options), lang


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


def test_every_entity_translation_key_has_a_name() -> None:
    platforms = {"sensor", "binary_sensor", "switch", "valve", "select", "button", "number"}
    for path in _python_files():
        if path.stem not in platforms:
            continue
        keys = set(re.findall(r'translation_key(?:=|\s*=\s*)"(\w+)"', path.read_text("utf-8")))
        for lang in LANGUAGES:
            names = _translations(lang).get("entity", {}).get(path.stem, {})
            for key in keys:
                assert names.get(key, {}).get("name"), (lang, path.stem, key)
    icons = _json(PACKAGE / "icons.json").get("entity", {})
    english = _translations("en").get("entity", {})
    for platform, keys in icons.items():
        assert set(keys) <= set(english.get(platform, {})), platform
