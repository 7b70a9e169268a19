"""The import boundaries of the house, read from the source with ``ast``.

- ``matcher`` never imports Flask or ``webapp``: the core runs without the web app.
- No ``matcher`` module uses another module's private name, neither ``from matcher.x
  import _y`` nor ``x._y`` on an imported ``matcher`` module.
- ``webapp`` takes from ``matcher`` only ``from matcher import <name of matcher.__all__>``.
- No test uses a private name of ``matcher``: tests go through public names.

The examples in docstrings count as code: they run as tests.
"""

from __future__ import annotations

import ast
import doctest
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

import matcher

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "matcher"
WEB = ROOT / "webapp"
TESTS = ROOT / "tests"


def _module_name(path: Path) -> str:
    """``matcher/solver.py`` -> ``matcher.solver``; a package's ``__init__.py`` -> the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _code(source: str) -> Iterator[ast.AST]:
    """Every node of ``source`` and of the examples in its docstrings."""
    tree = ast.parse(source)
    yield from ast.walk(tree)
    parser = doctest.DocTestParser()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            examples = parser.get_examples(ast.get_docstring(node, clean=False) or "")
            if examples:
                yield from ast.walk(ast.parse("\n".join(e.source for e in examples)))


def _imports(source: str) -> Iterator[tuple[str, str | None, int]]:
    """Each import of ``source`` as (module, name or None for ``import module``, level)."""
    for node in _code(source):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield from ((node.module or "", alias.name, node.level) for alias in node.names)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def web_and_flask_imports(source: str) -> list[str]:
    """What a ``matcher`` module imports of Flask (or its extensions) and of ``webapp``.

    >>> web_and_flask_imports("from flask import g\\nimport webapp.db\\nimport flaky")
    ['flask', 'webapp.db']
    """
    found = []
    for module, _, level in _imports(source):
        root = module.split(".")[0]
        if level == 0 and (root in {"flask", "webapp"} or root.startswith("flask_")):
            found.append(module)
    return found


def private_uses(module: str, source: str) -> list[str]:
    """The private names of other ``matcher`` modules that ``module`` uses, as
    ``module: owner._name``.

    >>> private_uses("matcher.a", "from matcher.b import _x, y\\nfrom matcher.a import _z")
    ['matcher.a: matcher.b._x']
    >>> private_uses(
    ...     "matcher.a", "from matcher import flow\\nimport matcher.cohort as c\\nflow._x(c._y)"
    ... )
    ['matcher.a: matcher.cohort._y', 'matcher.a: matcher.flow._x']
    >>> private_uses("matcher.a", "import matcher.flow\\nmatcher.flow._x")
    ['matcher.a: matcher.flow._x']
    """
    submodules = {path.stem for path in CORE.glob("*.py")}
    aliases: dict[str, str] = {}  # local name -> the matcher module it names
    used = set()
    for owner, name, _ in _imports(source):
        if name is None and owner.startswith("matcher."):
            aliases[owner] = owner
        elif owner == "matcher" and name in submodules:
            aliases[name] = f"matcher.{name}"
        elif owner.startswith("matcher.") and name and _private(name) and owner != module:
            used.add(f"{owner}.{name}")
    for node in _code(source):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name.startswith("matcher."):
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = aliases.get(ast.unparse(node.value))
            if owner is not None and owner != module:
                used.add(f"{owner}.{node.attr}")
    return [f"{module}: {name}" for name in sorted(used)]


def non_public_imports(source: str) -> list[str]:
    """What a ``webapp`` module takes from ``matcher`` other than its public names.

    >>> non_public_imports("from matcher import plural, _x\\nfrom matcher.config import y")
    ['matcher._x', 'matcher.config.y']
    >>> non_public_imports("import matcher.engine\\nfrom matcher import *")
    ['matcher.engine', 'matcher.*']
    """
    found = []
    for module, name, level in _imports(source):
        if level or module.split(".")[0] != "matcher":
            continue
        if module != "matcher" or name not in matcher.__all__:
            found.append(module if name is None else f"{module}.{name}")
    return found


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(CORE), ids=lambda p: p.name)
def test_matcher_never_imports_flask_or_webapp(path: Path) -> None:
    assert web_and_flask_imports(path.read_text(encoding="utf-8")) == []


def test_no_matcher_module_uses_another_modules_private_name() -> None:
    found = {
        use
        for path in _sources(CORE)
        for use in private_uses(_module_name(path), path.read_text(encoding="utf-8"))
    }
    assert sorted(found) == [], "use or add a public name instead"


def test_no_test_module_uses_a_private_name_of_matcher() -> None:
    found = {
        use
        for path in _sources(TESTS)
        for use in private_uses(_module_name(path), path.read_text(encoding="utf-8"))
    }
    assert sorted(found) == [], "test through a public name, or make the unit public"


@pytest.mark.parametrize("path", _sources(WEB), ids=lambda p: str(p.relative_to(WEB)))
def test_webapp_imports_only_matchers_public_names(path: Path) -> None:
    assert non_public_imports(path.read_text(encoding="utf-8")) == [], (
        "import it with `from matcher import ...`, adding it to matcher.__all__"
    )


def _is_blueprint(path: Path) -> bool:
    """True when the module makes a blueprint at its top level (``bp = Blueprint(...)``)."""
    return any(
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "Blueprint"
        for node in ast.parse(path.read_text(encoding="utf-8")).body
    )


WEB_MODULES = {_module_name(path): path for path in _sources(WEB)}
#: The packages by what an admin does (and the participant's own page); each makes one
#: blueprint in its ``__init__``.
PACKAGES = {"webapp.admin", "webapp.people", "webapp.matching", "webapp.participant"}
#: Packages of shared services below the blueprint packages (anything may use them), each
#: with at most one page of its own, registered by the factory: e-mail and its Outbox.
SERVICES = {"webapp.mail": "webapp.mail.pages"}
#: The modules above every package: the factory and the commands.
TOP = {"webapp", "webapp.cli"}
BLUEPRINTS = {
    name for name, path in WEB_MODULES.items() if name not in PACKAGES and _is_blueprint(path)
}


def web_imports(source: str, modules: Collection[str]) -> list[str]:
    """The modules among ``modules`` that ``source`` imports (``from a import b`` counts as
    ``a.b`` when that is a module, else as ``a``).

    >>> web_imports("from webapp.matching.review import done_run", {"webapp.matching.review"})
    ['webapp.matching.review']
    >>> web_imports("from webapp.people import intake, x", {"webapp.people.intake"})
    ['webapp.people.intake']
    >>> web_imports("from webapp.lookups import done_run", {"webapp.matching.review"})
    []
    """
    found = []
    for module, name, level in _imports(source):
        if level:
            continue
        if name is not None and f"{module}.{name}" in modules:
            found.append(f"{module}.{name}")
        elif module in modules:
            found.append(module)
    return found


def _package(name: str) -> str | None:
    return next((p for p in PACKAGES if name == p or name.startswith(p + ".")), None)


def test_the_web_app_is_grouped_in_packages_of_blueprints() -> None:
    assert {_package(name) for name in BLUEPRINTS - set(SERVICES.values())} == PACKAGES
    assert all(_is_blueprint(WEB_MODULES[package]) for package in PACKAGES)
    assert {"webapp.matching.review", "webapp.people.imports", "webapp.admin.auth"} <= BLUEPRINTS


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_no_blueprint_imports_another(name: str) -> None:
    source = WEB_MODULES[name].read_text(encoding="utf-8")
    assert web_imports(source, BLUEPRINTS - {name}) == [], (
        "move what both need to webapp/lookups.py (or a module below the blueprints)"
    )


def test_a_service_package_has_one_page_at_most() -> None:
    for package, page in SERVICES.items():
        pages = {name for name in BLUEPRINTS if name.startswith(package + ".")}
        assert pages <= {page}


@pytest.mark.parametrize("name", sorted(set(WEB_MODULES) - TOP - PACKAGES))
def test_no_package_reaches_into_another_and_nothing_below_reaches_up(name: str) -> None:
    """A package's modules import only their own package and the shared modules below
    (service packages included); the shared modules import no package."""
    own = _package(name)
    others = {m for m in WEB_MODULES if _package(m) not in {None, own}}
    source = WEB_MODULES[name].read_text(encoding="utf-8")
    assert web_imports(source, others) == [], (
        "what two packages need lives below them, in a shared module of webapp/"
    )
