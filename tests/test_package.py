"""What hassfest and the HACS action would check, if they could run here.

Each test reads the shipped files the way Home Assistant or HACS reads them, so a missing
translation, a mis-ordered manifest or an unauthenticated view fails CI instead of a user.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import string as string_module
import struct
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import homeassistant.components
import pytest
import voluptuous as vol
import yaml
from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.components import modbus as core_modbus
from homeassistant.const import __version__ as ha_version
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import selector
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "custom_components" / "prepaid_utility"
TRANSLATIONS = PACKAGE / "translations"
LANGUAGES = ("en", "zh-Hans")

# Views allowed to be reached without a Home Assistant login, each because it proves who is
# calling by other means (named here with the function it must call before anything else).
UNAUTHENTICATED_VIEWS: dict[str, str] = {
    "PaymentWebhookView": "verify_signature",
    "ProviderNotificationView": "verified_payment",
}


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    # json.loads keeps the last one silently: the first text would never be shown.
    assert not duplicates, f"duplicate keys: {duplicates}"
    return dict(pairs)


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys)


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


def test_license_file_matches_pyproject() -> None:
    """HACS's license check wants a LICENSE file at the root, the one pyproject names."""
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert 'license = "Apache-2.0"' in (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text


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
SUBENTRY_FLOWS = {
    "MeterSubentryFlow": "meter",
    "MeterScanSteps": "meter",
    "AccountSubentryFlow": "account",
}


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


# Every rule of HA's quality scale (core's script/hassfest/quality_scale.py, HA 2026.11).
QUALITY_SCALE_RULES = {
    "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
    "config-flow-test-coverage", "dependency-transparency", "docs-actions", "docs-conditions",
    "docs-high-level-description", "docs-installation-instructions", "docs-removal-instructions",
    "docs-triggers", "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
    "test-before-configure", "test-before-setup", "unique-config-entry",
    "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
    "docs-installation-parameters", "entity-unavailable", "integration-owner",
    "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update",
    "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
    "entity-category", "entity-device-class", "entity-disabled-by-default",
    "entity-translations", "exception-translations", "icon-translations",
    "reconfiguration-flow", "repair-issues", "stale-devices",
    "async-dependency", "inject-websession", "strict-typing",
}  # fmt: skip


def test_quality_scale_lists_every_rule_and_real_readme_sections() -> None:
    rules = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8"))["rules"]
    assert set(rules) == QUALITY_SCALE_RULES, (
        f"missing {sorted(QUALITY_SCALE_RULES - set(rules))}, "
        f"unknown {sorted(set(rules) - QUALITY_SCALE_RULES)}"
    )
    # The README is the front door; the sections a rule names live in it or in docs/.
    headings = {
        line.lstrip("#").strip()
        for page in (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }
    for rule, status in rules.items():
        comment = status.get("comment", "") if isinstance(status, dict) else ""
        if "docs" not in comment and "README" not in comment:
            continue
        for section in re.findall(r'"([^"]+)"', comment):
            assert any(h.startswith(section) for h in headings), (rule, section)


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


# --- hassfest's rules, re-stated ------------------------------------------------------------
# hassfest (HA core's script/hassfest, not shipped in the homeassistant wheel) validates a custom
# integration's translations/en.json, services.yaml, icons.json and manifest.json. Its plugins are
# restated below as plain checks over the shipped files, so an error it would report fails here.
# Both languages are held to the rules (hassfest reads en.json only; a user reads either).

# A translation key: lowercase letters, digits, - and _, not starting or ending with - or _, and
# no doubled separators (hassfest's translations plugin).
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
_SINGLE_QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(/.*)?)",
    re.IGNORECASE,
)
_FLOW_STEP_KEYS = {
    "title", "description", "data", "data_description", "menu_options",
    "menu_option_descriptions", "submit", "sections",
}  # fmt: skip
_FLOW_KEYS = {
    "flow_title", "step", "error", "abort", "progress", "create_entry", "initiate_flow",
}  # fmt: skip
_TOP_LEVEL_KEYS = {
    "title", "config", "config_subentries", "options", "selector", "device_automation",
    "system_health", "config_panel", "application_credentials", "issues", "entity_component",
    "device", "entity", "exceptions", "services", "conditions", "triggers", "conversation",
    "common", "preview_features",
}  # fmt: skip


def _string_problem(value: Any, placeholders: bool = True) -> str | None:
    """What hassfest says about one translated string, or None."""
    if not isinstance(value, str):
        return f"not a string: {value!r}"
    try:
        cv.string_with_no_html(value)
    except vol.Invalid:
        return "contains HTML"
    if _SINGLE_QUOTED_PLACEHOLDER.search(value):
        return "placeholder inside single quotes"
    try:
        fields = [f for _, f, _, _ in string_module.Formatter().parse(value) if f]
    except ValueError as err:
        return f"unparsable placeholders: {err}"
    if fields and not placeholders:
        return "placeholders are not allowed here"
    if any(not f.isidentifier() for f in fields):
        return "placeholder is not an identifier"
    if _COMBINED_REFERENCE.search(value):
        return "combined translation reference"
    if value != value.strip():
        return "leading or trailing spaces"
    if _URL.search(value):
        return "contains a URL (use a description placeholder)"
    return None


def _slug_problem(key: str) -> str | None:
    try:
        cv.slug(key)
    except vol.Invalid:
        return f"key {key!r} is not a slug"
    return None


def _key_problem(key: str) -> str | None:
    if TRANSLATION_KEY.match(key) is None:
        return f"key {key!r} is not a translation key ([a-z0-9-_]+, no leading/trailing - or _)"
    return None


class _Problems(list[str]):
    def strings(self, path: str, table: Any, placeholders: bool = True) -> None:
        if not isinstance(table, dict):
            self.append(f"{path}: expected a table")
            return
        for key, value in table.items():
            if problem := _string_problem(value, placeholders):
                self.append(f"{path}.{key}: {problem}")

    def keys(self, path: str, table: Any, rule: Any = _key_problem) -> None:
        for key in table if isinstance(table, dict) else ():
            if problem := rule(key):
                self.append(f"{path}: {problem}")

    def only(self, path: str, table: Any, allowed: set[str]) -> None:
        if not isinstance(table, dict):
            self.append(f"{path}: expected a table")
            return
        if extra := set(table) - allowed:
            self.append(f"{path}: unknown keys {sorted(extra)}")

    def flow(self, path: str, flow: Any, subentry: bool = False) -> None:
        self.only(path, flow, _FLOW_KEYS | ({"entry_type"} if subentry else set()))
        if not isinstance(flow, dict):
            return
        if "step" not in flow:
            self.append(f"{path}: no step table")
        for step_id, step in flow.get("step", {}).items():
            where = f"{path}.step.{step_id}"
            self.only(where, step, _FLOW_STEP_KEYS)
            for key in ("title", "description", "submit"):
                if key in step and (problem := _string_problem(step[key])):
                    self.append(f"{where}.{key}: {problem}")
            for key in ("data", "data_description", "menu_options", "menu_option_descriptions"):
                if key in step:
                    self.strings(f"{where}.{key}", step[key])
            if extra := set(step.get("data_description", {})) - set(step.get("data", {})):
                self.append(f"{where}: data_description keys not in data: {sorted(extra)}")
            for name, section in step.get("sections", {}).items():
                self.only(
                    f"{where}.sections.{name}",
                    section,
                    {"data", "data_description", "description", "name"},
                )
        for key in ("error", "abort", "progress", "create_entry"):
            if key in flow:
                self.strings(f"{path}.{key}", flow[key])
        if subentry:
            if problem := _string_problem(flow.get("entry_type")):
                self.append(f"{path}.entry_type: {problem}")
            if "user" not in flow.get("initiate_flow", {}):
                self.append(f"{path}: a subentry flow needs initiate_flow.user")
        if "initiate_flow" in flow:
            self.strings(f"{path}.initiate_flow", flow["initiate_flow"])


def hassfest_translation_problems(strings: dict[str, Any]) -> list[str]:
    """Every complaint hassfest's translations plugin would make about one strings file."""
    out = _Problems()
    out.only("(root)", strings, _TOP_LEVEL_KEYS)
    if "title" in strings and (problem := _string_problem(strings["title"])):
        out.append(f"title: {problem}")
    if "config" in strings:
        out.flow("config", strings["config"])
        if "title" in strings["config"]:
            out.append("config.title: moved to the root (or dropped) since HA 0.109")
    if "options" in strings:
        out.flow("options", strings["options"])
    for kind, flow in strings.get("config_subentries", {}).items():
        if kind != "_" and (problem := _slug_problem(kind)):
            out.append(f"config_subentries: {problem}")
        out.flow(f"config_subentries.{kind}", flow, subentry=True)
    for name, sel in strings.get("selector", {}).items():
        where = f"selector.{name}"
        if name != "_" and (problem := _slug_problem(name)):
            out.append(f"selector: {problem}")
        out.only(where, sel, {"choices", "options", "unit_of_measurement", "fields"})
        for key in ("choices", "options", "unit_of_measurement"):
            if key in sel:
                out.keys(f"{where}.{key}", sel[key])
                out.strings(f"{where}.{key}", sel[key])
    for issue_id, issue in strings.get("issues", {}).items():
        where = f"issues.{issue_id}"
        out.only(where, issue, {"title", "description", "fix_flow"})
        if "title" not in issue:
            out.append(f"{where}: no title")
        else:
            out.strings(where, {"title": issue["title"]})
        if "description" in issue and "fix_flow" in issue:
            out.append(f"{where}: a fixable issue (fix_flow) must not also have a description")
        if "description" not in issue and "fix_flow" not in issue:
            out.append(f"{where}: needs a description or a fix_flow")
        if "description" in issue:
            out.strings(where, {"description": issue["description"]})
        if "fix_flow" in issue:
            out.flow(f"{where}.fix_flow", issue["fix_flow"])
    for platform, entities in strings.get("entity", {}).items():
        if problem := _slug_problem(platform):
            out.append(f"entity: {problem}")
        out.keys(f"entity.{platform}", entities)
        for key, entity in entities.items():
            where = f"entity.{platform}.{key}"
            out.only(where, entity, {"name", "state", "state_attributes", "unit_of_measurement"})
            if "name" in entity:
                out.strings(where, {"name": entity["name"]})
            if "unit_of_measurement" in entity:
                out.strings(where, {"unit_of_measurement": entity["unit_of_measurement"]}, False)
            out.keys(f"{where}.state", entity.get("state", {}))
            out.strings(f"{where}.state", entity.get("state", {}), placeholders=False)
            for attr, spec in entity.get("state_attributes", {}).items():
                if problem := _key_problem(attr):
                    out.append(f"{where}.state_attributes: {problem}")
                out.only(f"{where}.state_attributes.{attr}", spec, {"name", "state"})
                out.strings(
                    f"{where}.state_attributes.{attr}",
                    {k: v for k, v in spec.items() if k == "name"},
                    False,
                )
                out.keys(f"{where}.state_attributes.{attr}.state", spec.get("state", {}))
                out.strings(f"{where}.state_attributes.{attr}.state", spec.get("state", {}), False)
    for key, exc in strings.get("exceptions", {}).items():
        if problem := _slug_problem(key):
            out.append(f"exceptions: {problem}")
        out.only(f"exceptions.{key}", exc, {"message"})
        out.strings(f"exceptions.{key}", exc)
    for service, spec in strings.get("services", {}).items():
        where = f"services.{service}"
        if problem := _key_problem(service):
            out.append(f"services: {problem}")
        out.only(where, spec, {"name", "description", "fields", "sections"})
        for required in ("name", "description"):
            if required not in spec:
                out.append(f"{where}: no {required}")
        out.strings(where, {k: v for k, v in spec.items() if k in ("name", "description")})
        for field, text in spec.get("fields", {}).items():
            if problem := _key_problem(field):
                out.append(f"{where}.fields: {problem}")
            out.only(f"{where}.fields.{field}", text, {"name", "description", "example"})
            if "name" not in text or "description" not in text:
                out.append(f"{where}.fields.{field}: needs name and description")
            out.strings(f"{where}.fields.{field}", {k: v for k, v in text.items() if k != "name"})
        for section, text in spec.get("sections", {}).items():
            if problem := _key_problem(section):
                out.append(f"{where}.sections: {problem}")
            if "name" not in text:
                out.append(f"{where}.sections.{section}: no name")
    return list(out)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_pass_hassfest(lang: str) -> None:
    problems = hassfest_translation_problems(_translations(lang))
    print(f"hassfest_translation_problems_{lang}={len(problems)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # The three errors hassfest reported on main before issue 19 (kept as regressions).
        (
            lambda s: s["selector"]["parity"]["options"].update(N="None"),
            "'N' is not a translation key",
        ),
        (
            lambda s: s["exceptions"]["statement_bad_file"].update(message="ask for <YYYY-MM>.csv"),
            "contains HTML",
        ),
        (
            lambda s: s["issues"]["meter_quarantined"].update(description="text"),
            "must not also have a description",
        ),
        (
            lambda s: s["services"]["recharge"].pop("description"),
            "services.recharge: no description",
        ),
        (
            lambda s: s["config"]["step"]["user"].update(description=" padded"),
            "leading or trailing",
        ),
        (
            lambda s: s["exceptions"]["statement_bad_file"].update(
                message="see https://example.com/x"
            ),
            "URL",
        ),
        (
            lambda s: s["config"]["step"]["serial"]["data_description"].update(nope="x"),
            "not in data",
        ),
    ],
)
def test_hassfest_checks_bite(mutate: Any, expected: str) -> None:
    strings = _translations("en")
    mutate(strings)
    problems = hassfest_translation_problems(strings)
    assert any(expected in p for p in problems), problems


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


def test_translated_select_options_are_translation_keys() -> None:
    """A select selector with a translation_key shows selector.<key>.options.<value>: each value
    it offers must be a translation key and be translated (in flows and in services.yaml)."""
    offered: dict[str, set[str]] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = None
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and ast.unparse(node.func).endswith("SelectSelectorConfig")
            ):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            key = kw.get("translation_key")
            if not isinstance(key, ast.Constant) or "options" not in kw:
                continue
            module = module or importlib.import_module(_module_name(path))
            try:
                values = eval(ast.unparse(kw["options"]), vars(module))
            except NameError:
                continue  # built from a local variable: covered where it is built
            offered.setdefault(key.value, set()).update(str(v) for v in values)
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    for spec in services.values():
        for field in _service_fields(spec):
            select = (field.get("selector") or {}).get("select") or {}
            if "translation_key" in select:
                offered.setdefault(select["translation_key"], set()).update(
                    o if isinstance(o, str) else o["value"] for o in select["options"]
                )
    print(f"translated_selectors_checked={len(offered)}")
    assert {"parity", "preset", "medium", "billing_mode", "method"} <= set(offered)
    for lang in LANGUAGES:
        table = _translations(lang)["selector"]
        for key, values in offered.items():
            assert key in table, (lang, key)
            for value in values:
                assert _key_problem(value) is None, (key, value)
            assert values <= set(table[key]["options"]), (
                lang,
                key,
                values - set(table[key]["options"]),
            )


def _service_fields(spec: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    for value in (spec or {}).get("fields", {}).values():
        if value and "fields" in value:
            yield from value["fields"].values()
        else:
            yield value or {}


def test_services_yaml_passes_hassfest() -> None:
    """hassfest's services plugin, custom-integration schema, plus its core-only icon rule."""
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    icons = _json(PACKAGE / "icons.json").get("services", {})
    strings = _translations("en")
    field_keys = {
        "example",
        "default",
        "required",
        "advanced",
        "selector",
        "filter",
        "name",
        "description",
    }
    for name, spec in services.items():
        assert cv.slug(name) == name
        assert name in icons, f"service {name} has no icon in icons.json"
        if spec is None:
            continue
        assert set(spec) <= {"target", "fields", "name", "description"}, (name, set(spec))
        if "target" in spec and spec["target"] is not None:
            selector.TargetSelector.CONFIG_SCHEMA(spec["target"])
        seen: set[str] = set()
        for field_name, field in spec.get("fields", {}).items():
            if field and "fields" in field:  # a section
                assert set(field) <= {"collapsed", "fields", "name", "description"}, field_name
                assert "name" in strings["services"][name].get("sections", {}).get(
                    field_name, {}
                ), (name, field_name)
                members = field["fields"]
            else:
                members = {field_name: field}
            for member, given in members.items():
                assert member not in seen, f"{name}: field {member} used twice"
                seen.add(member)
                member_spec = given or {}
                assert set(member_spec) <= field_keys, (name, member, set(member_spec))
                for key in ("example", "default"):
                    assert key not in member_spec or member_spec[key] is not None, (name, member)
                if "selector" in member_spec:
                    try:
                        selector.validate_selector(member_spec["selector"])
                    except vol.Invalid as err:
                        pytest.fail(f"{name}.{member}: invalid selector: {err}")
                    key = ((member_spec["selector"] or {}).get("select") or {}).get(
                        "translation_key"
                    )
                    assert key is None or key in strings["selector"], (name, member, key)
                text = strings["services"][name]["fields"].get(member, {})
                assert text.get("name"), (name, member)
                assert text.get("description"), (name, member)


def test_icons_json_passes_hassfest() -> None:
    icons = _json(PACKAGE / "icons.json")
    assert set(icons) <= {"services", "entity"}, set(icons)

    def icon(where: str, value: Any) -> None:
        assert isinstance(value, str), (where, value)
        assert value.startswith("mdi:"), (where, value)
        cv.string_with_no_html(value)

    for service, spec in icons.get("services", {}).items():
        assert _key_problem(service) is None, service
        if isinstance(spec, str):
            icon(service, spec)
            continue
        assert set(spec) <= {"service", "sections"}, (service, spec)
        icon(service, spec["service"])
        for section, value in spec.get("sections", {}).items():
            assert _key_problem(section) is None, (service, section)
            icon(f"{service}.{section}", value)
    for platform, entities in icons.get("entity", {}).items():
        assert cv.slug(platform) == platform
        for key, spec in entities.items():
            assert _key_problem(key) is None, (platform, key)
            assert set(spec) <= {"default", "state", "state_attributes", "range"}, (platform, key)
            if "default" in spec:
                icon(f"{platform}.{key}", spec["default"])
            for state, value in spec.get("state", {}).items():
                assert _key_problem(state) is None, (platform, key, state)
                icon(f"{platform}.{key}.{state}", value)


def test_manifest_passes_hassfest() -> None:
    """hassfest's manifest plugin as it treats a custom integration."""
    manifest = _json(PACKAGE / "manifest.json")
    assert list(manifest)[:2] == ["domain", "name"]
    assert list(manifest)[2:] == sorted(list(manifest)[2:])
    for key in ("domain", "name", "codeowners", "documentation"):
        assert key in manifest, key
    assert manifest["domain"] == PACKAGE.name
    core_dir = Path(homeassistant.components.__path__[0])
    assert not (core_dir / manifest["domain"]).exists(), "domain collides with a core integration"
    assert all(isinstance(o, str) and o.startswith("@") for o in manifest["codeowners"])
    for key in ("documentation", "issue_tracker"):
        url = urlparse(manifest[key])
        assert url.scheme == "https", (key, manifest[key])
        assert url.netloc, (key, manifest[key])
    assert manifest["iot_class"] in {
        "assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling", "local_push",
    }  # fmt: skip
    assert manifest["integration_type"] in {
        "device", "entity", "hardware", "helper", "hub", "service", "system", "virtual",
    }  # fmt: skip
    for key in ("requirements", "dependencies", "after_dependencies", "loggers"):
        assert all(isinstance(v, str) for v in manifest.get(key, [])), key
    version_ = AwesomeVersion(manifest["version"])
    assert version_.strategy in {
        AwesomeVersionStrategy.CALVER, AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.SIMPLEVER, AwesomeVersionStrategy.BUILDVER,
        AwesomeVersionStrategy.PEP440,
    }, manifest["version"]  # fmt: skip
    assert "quality_scale" not in manifest or manifest["quality_scale"] in {
        "bronze", "silver", "gold", "platinum", "internal",
    }  # fmt: skip
