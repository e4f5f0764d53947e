"""The documentation cannot drift from the code: generated pages, pictures, repair links, versions.

scripts/docs builds the site with mkdocs --strict (broken links and anchors); these tests hold
what a link checker cannot see.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

from homeassistant.const import __version__ as ha_version

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "custom_components" / "prepaid_utility"
DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def _generator(name: str = "docs_services"):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_services_page_is_generated_from_services_yaml_and_en_json() -> None:
    generator = _generator()
    page = (DOCS / "services.md").read_text(encoding="utf-8")
    assert page == generator.render(), f"docs/services.md is stale: run {generator.COMMAND}"
    actions = json.loads((PACKAGE / "translations" / "en.json").read_text("utf-8"))["services"]
    for name in actions:
        assert f"\n## {name}\n" in page, name
    print(f"services_documented={len(actions)}")


def test_site_home_page_is_generated_from_the_readme() -> None:
    generator = _generator("docs_index")
    page = (DOCS / "index.md").read_text(encoding="utf-8")
    assert page == generator.render(), f"docs/index.md is stale: run {generator.COMMAND}"
    # The rewrite itself: a page of docs/ loses its prefix, a file outside docs/ goes to GitHub,
    # addresses and anchors stay, and what only the repository's reader needs is left out.
    sample = (
        "[a](docs/cards.md#x) ![b](docs/images/c.png) [d](LICENSE) [e](https://x.org/y) [f](#g)\n"
        "<!-- readme-only -->\nrepo only\n<!-- /readme-only -->\nafter\n"
    )
    body = generator.render(sample).removeprefix(generator.HEADER)
    assert body == (
        f"[a](cards.md#x) ![b](images/c.png) [d]({generator.BLOB}LICENSE) [e](https://x.org/y)"
        " [f](#g)\nafter\n"
    )
    readme_lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
    print(f"readme_lines={readme_lines} index_lines={page.count(chr(10))}")


def test_every_action_description_says_administrators_only() -> None:
    # services.py registers every action with async_register_admin_service.
    source = (PACKAGE / "services.py").read_text("utf-8")
    assert "async_register_admin_service(" in source
    assert "hass.services.async_register(" not in source
    for lang, words in (("en", "Administrators only"), ("zh-Hans", "仅限管理员")):
        actions = json.loads((PACKAGE / "translations" / f"{lang}.json").read_text("utf-8"))
        missing = [k for k, v in actions["services"].items() if words not in v["description"]]
        assert not missing, (lang, missing)


def test_every_image_the_docs_show_is_committed() -> None:
    shown = 0
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text):
            if target.startswith("http"):
                continue
            path = (page.parent / target).resolve()
            assert path.is_file(), f"{page.relative_to(REPO)} shows {target}, which is missing"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", target
            shown += 1
    assert shown >= 2
    print(f"images_shown={shown}")


def test_every_repair_links_its_troubleshooting_section() -> None:
    issues = json.loads((PACKAGE / "translations" / "en.json").read_text("utf-8"))["issues"]
    page = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    missing = [key for key in issues if f'<a id="{key}"></a>' not in page]
    assert not missing, f"docs/troubleshooting.md has no section for {missing}"
    # Only repair_issues.raise_issue talks to the registry, and it always passes the link.
    creators = []
    raised = 0
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "async_create_issue":
                creators.append(module.name)
                keywords = {k.arg for k in node.keywords}
                assert "learn_more_url" in keywords, f"{module.name}:{node.lineno} has no link"
            elif name == "raise_issue":
                raised += 1
    assert creators == ["repair_issues.py"], creators
    assert raised >= 10
    calls = raised
    print(f"repair_keys={len(issues)} create_issue_calls={calls}")


def test_versions_agree_with_the_changelog_and_hacs() -> None:
    manifest = json.loads((PACKAGE / "manifest.json").read_text("utf-8"))
    hacs = json.loads((REPO / "hacs.json").read_text("utf-8"))
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, flags=re.MULTILINE)
    assert released, "CHANGELOG.md names no release"
    assert released[0] == manifest["version"], (released[0], manifest["version"])
    assert "## Unreleased" in changelog
    # hacs.json's minimum is the Home Assistant the tests run against, not a guess.
    assert hacs["homeassistant"] == ha_version, (hacs["homeassistant"], ha_version)
    print(f"manifest_version={manifest['version']} hacs_min_ha={hacs['homeassistant']}")
