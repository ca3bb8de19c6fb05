"""The layers hold: the pages (`events.web`) and the API (`events.api`) never import each other, they
share `events.http` beneath them, and no domain package imports any of the three.

Read from the source with `ast` (imports inside functions count too), so a shortcut added
anywhere fails here with the file and the import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[1] / "events"
DELIVERY = ("events.web", "events.api", "events.http")
#: The app factory and the command line wire the layers together; they may import any of them.
WIRING = {"events.app", "events.cli"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(EVENTS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _arrows() -> list[tuple[str, str]]:
    return [
        (_module_name(path), imported)
        for path in sorted(EVENTS.rglob("*.py"))
        if "migrations" not in path.parts
        for imported in sorted(_imports(path))
        if imported.startswith("events")
    ]


def test_pages_and_api_never_import_each_other() -> None:
    wrong = [
        (module, imported)
        for module, imported in _arrows()
        if (_within(module, "events.web") and _within(imported, "events.api"))
        or (_within(module, "events.api") and _within(imported, "events.web"))
    ]
    assert wrong == [], f"web/ and api/ import each other: {wrong}"


def test_the_shared_tier_imports_neither_pages_nor_api() -> None:
    wrong = [
        (module, imported)
        for module, imported in _arrows()
        if _within(module, "events.http") and (_within(imported, "events.web") or _within(imported, "events.api"))
    ]
    assert wrong == [], f"events.http reaches up into web/ or api/: {wrong}"


def test_no_domain_package_imports_the_delivery_tier() -> None:
    wrong = [
        (module, imported)
        for module, imported in _arrows()
        if module not in WIRING
        and not any(_within(module, package) for package in DELIVERY)
        and any(_within(imported, package) for package in DELIVERY)
    ]
    assert wrong == [], f"domain modules that import pages, API or their shared tier: {wrong}"


def test_the_check_sees_an_import() -> None:
    """The reader is not blind: it finds this very file's import of `ast`, and names modules right."""
    assert "ast" in _imports(Path(__file__))
    assert _module_name(EVENTS / "web" / "door.py") == "events.web.door"
    assert ("events.web.door", "events.http.scans") in _arrows()
