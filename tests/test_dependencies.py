"""The one-way dependency rule of DESIGN.md ("Layout"), checked on the source.

A pure AST scan (no Django, no database): every ``import``/``from … import``
(also inside functions), every ``import_module("…")``, every
``apps.get_model("label", …)`` and every model field pointing at
``"label.Model"`` counts as a dependency of the file it is written in.

- no plugin and no console module imports the host (``saleor_flash``), and no
  plugin imports the console (``dashboard_ext``);
- ``plugins/core`` imports no plugin;
- a plugin imports only core and the plugins it builds on
  (sale_windows → checkout_guard → channel_pricing → provider_dropship;
  points_payment → channel_pricing; engagement → sale_windows and
  provider_dropship); a lower plugin that must show something
  of a higher one offers a provider registry the higher one fills at start-up;
- a plugin's GraphQL code and views never reach another plugin's models
  (they call its service functions).

The console (``dashboard_ext``) is host-side: it may import any plugin.
On failure the test prints the graph it found; ``docs/architecture.md`` shows
the same graph (checked below).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
HOST = "saleor_flash"
CONSOLE = "dashboard_ext"
CORE = "core"

# Which plugins each plugin builds on, directly (DESIGN.md, "Layout"). A new
# plugin builds on nothing until it is added here and to DESIGN.md.
BUILDS_ON: Dict[str, Set[str]] = {
    "provider_dropship": set(),
    "channel_pricing": {"provider_dropship"},
    "checkout_guard": {"channel_pricing"},
    "sale_windows": {"checkout_guard"},
    "points_payment": {"channel_pricing"},
    # provider_dropship directly too: feedback and support requests name a
    # shipment (sub-order), asked through its services.
    "engagement": {"sale_windows", "provider_dropship"},
}

GRAPH_START = "<!-- dependency-graph:start (tests/test_dependencies.py) -->"
GRAPH_END = "<!-- dependency-graph:end -->"

RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


@dataclass(frozen=True)
class Dependency:
    source: str  # component of the importing file: a plugin, "core", "dashboard_ext"
    target: str  # component imported: a plugin, "core", "dashboard_ext", "saleor_flash"
    path: str  # the importing file, relative to the tree's root
    line: int
    imported: str  # what was imported, as written (module or "label.Model")
    reaches_models: bool  # the target's models module (or a model by name)
    from_entry_point: bool  # written in the source's graphql/ code or views


def builds_on(plugin: str) -> Set[str]:
    """The plugins ``plugin`` may import: what it builds on, transitively."""
    seen: Set[str] = set()
    stack = list(BUILDS_ON.get(plugin, ()))
    while stack:
        lower = stack.pop()
        if lower not in seen:
            seen.add(lower)
            stack.extend(BUILDS_ON.get(lower, ()))
    return seen


def is_entry_point(relative: Path) -> bool:
    """GraphQL code and views of a plugin (``graphql/``, ``api/``, ``views``)."""
    parts = relative.parts
    return (
        "graphql" in parts[:-1]
        or "api" in parts[:-1]
        or "views" in parts[:-1]
        or relative.name == "views.py"
        or relative.name.endswith("_views.py")
    )


def component_of_module(module: str) -> Optional[str]:
    parts = module.split(".")
    if parts[0] in (HOST, CONSOLE):
        return parts[0]
    if parts[0] == "plugins" and len(parts) > 1:
        return parts[1]  # "core" or a plugin
    return None


def _module_name(root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve_relative(module_name: str, is_package: bool, level: int, name: str):
    package = module_name.split(".") if is_package else module_name.split(".")[:-1]
    if level > 1:
        package = package[: -(level - 1)]
    return ".".join(package + ([name] if name else []))


def _constant_string(node) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def imports_of(root: Path, path: Path, labels: Dict[str, str]) -> Iterable[tuple]:
    """``(line, module, reaches_models)`` for every dependency written in a file.

    ``labels`` maps app labels ("sale_windows") to their package module
    ("plugins.sale_windows"), for string references to models.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module_name = _module_name(root, path)
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, alias.name.endswith(".models")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = _resolve_relative(module_name, is_package, node.level, base)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                reaches = base.endswith(".models") or full.endswith(".models")
                yield node.lineno, full, reaches
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            first = _constant_string(node.args[0]) if node.args else None
            if name == "import_module" and first:
                yield node.lineno, first, first.endswith(".models")
            elif name == "get_model" and first:
                label = first.split(".")[0]
                if label in labels:
                    yield node.lineno, f"{labels[label]}.models", True
            elif name in RELATION_FIELDS:
                target = first
                for keyword in node.keywords:
                    if keyword.arg == "to":
                        target = _constant_string(keyword.value)
                if target and "." in target and target.split(".")[0] in labels:
                    yield node.lineno, f"{labels[target.split('.')[0]]}.models", True


def app_labels(root: Path) -> Dict[str, str]:
    """App label -> package module, read from each plugin's ``apps.py``."""
    labels: Dict[str, str] = {}
    for apps in sorted((root / "plugins").glob("*/apps.py")):
        package = f"plugins.{apps.parent.name}"
        labels[apps.parent.name] = package
        for node in ast.walk(ast.parse(apps.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "label" for t in node.targets
            ):
                label = _constant_string(node.value)
                if label:
                    labels[label] = package
    return labels


def scan(root: Path = ROOT) -> List[Dependency]:
    """Every dependency of ``plugins/`` and ``dashboard_ext/`` on another component."""
    labels = app_labels(root)
    found: List[Dependency] = []
    files = sorted((root / "plugins").rglob("*.py")) + sorted(
        (root / CONSOLE).rglob("*.py")
    )
    for path in files:
        relative = path.relative_to(root)
        source = component_of_module(_module_name(root, path))
        if source is None:
            continue
        within = relative.relative_to(*relative.parts[:2])
        entry_point = source != CONSOLE and is_entry_point(within)
        for line, module, reaches_models in imports_of(root, path, labels):
            target = component_of_module(module)
            if target is None or target == source:
                continue
            found.append(
                Dependency(
                    source=source,
                    target=target,
                    path=str(relative),
                    line=line,
                    imported=module,
                    reaches_models=reaches_models,
                    from_entry_point=entry_point,
                )
            )
    return found


def violation(dep: Dependency) -> Optional[str]:
    """Why a dependency breaks the rule, or None when it is allowed."""
    if dep.target == HOST:
        return "imports the host (saleor_flash)"
    if dep.source == CONSOLE:
        return None  # the console is host-side: any plugin, and core
    if dep.target == CONSOLE:
        return "a plugin imports the console (dashboard_ext)"
    if dep.source == CORE:
        return "plugins/core imports a plugin"
    if dep.target == CORE:
        return None
    if dep.target not in builds_on(dep.source):
        return (
            f"{dep.source} does not build on {dep.target} "
            "(register a provider function instead)"
        )
    if dep.reaches_models and dep.from_entry_point:
        return f"GraphQL code or views reach {dep.target}'s models (use its services)"
    return None


def graph(dependencies: Iterable[Dependency]) -> Dict[str, Set[str]]:
    edges: Dict[str, Set[str]] = {}
    for dep in dependencies:
        edges.setdefault(dep.source, set()).add(dep.target)
    return edges


def render_graph(edges: Dict[str, Set[str]], root: Path = ROOT) -> str:
    """One line per component: what it imports (``core`` last), as in the doc."""
    plugins = sorted(p.parent.name for p in (root / "plugins").glob("*/__init__.py"))
    order = [CONSOLE] + [
        p for p in sorted(plugins, key=lambda p: (-len(builds_on(p)), p)) if p != CORE
    ]
    order.append(CORE)
    width = max(len(name) for name in order)
    lines = []
    for name in order:
        targets = edges.get(name, set())
        shown = sorted(t for t in targets if t != CORE) + (
            [CORE] if CORE in targets else []
        )
        lines.append(f"{name.ljust(width)} → {', '.join(shown) or '(nothing)'}")
    return "\n".join(lines)


def report(dependencies: List[Dependency], broken: List[Tuple[Dependency, str]]):
    lines = ["Dependency rule broken (DESIGN.md, 'Layout'):"]
    for dep, why in broken:
        lines.append(f"  {dep.path}:{dep.line} imports {dep.imported}: {why}")
    lines.append("")
    lines.append("The graph as the code has it (who imports whom):")
    lines.append(render_graph(graph(dependencies)))
    lines.append("")
    lines.append("Per edge, the files behind it:")
    by_edge: Dict[Tuple[str, str], Set[str]] = {}
    for dep in dependencies:
        by_edge.setdefault((dep.source, dep.target), set()).add(dep.path)
    for (source, target), paths in sorted(by_edge.items()):
        lines.append(f"  {source} → {target}: {', '.join(sorted(paths))}")
    return "\n".join(lines)


# --- the rule, on this tree -----------------------------------------------------


def test_imports_point_one_way():
    dependencies = scan()
    broken = [(dep, why) for dep in dependencies for why in [violation(dep)] if why]
    assert not broken, report(dependencies, broken)


def test_architecture_doc_shows_the_graph():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert GRAPH_START in doc and GRAPH_END in doc, "graph markers missing"
    written = doc.split(GRAPH_START, 1)[1].split(GRAPH_END, 1)[0]
    written = written.strip().strip("`").strip()
    actual = render_graph(graph(scan()))
    assert written == actual, (
        "docs/architecture.md shows another dependency graph; the code has:\n" + actual
    )


def test_every_plugin_has_a_place_in_the_layering():
    plugins = {p.parent.name for p in (ROOT / "plugins").glob("*/__init__.py")} - {CORE}
    assert plugins <= set(BUILDS_ON), (
        f"add {sorted(plugins - set(BUILDS_ON))} to BUILDS_ON and DESIGN.md"
    )


# --- the scanner itself, on a small made-up tree -----------------------------------


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _fake_tree(root: Path) -> None:
    for plugin in ("core", "channel_pricing", "sale_windows", "points_payment"):
        _write(root, f"plugins/{plugin}/__init__.py", "")
        _write(
            root,
            f"plugins/{plugin}/apps.py",
            f"class C:\n    name = 'plugins.{plugin}'\n    label = '{plugin}'\n",
        )
    _write(root, "plugins/__init__.py", "")
    _write(root, "dashboard_ext/__init__.py", "")


def _why(root: Path) -> Dict[str, Set[str]]:
    found: Dict[str, Set[str]] = {}
    for dep in scan(root):
        why = violation(dep)
        if why:
            found.setdefault(dep.path, set()).add(why.split(" (")[0])
    return found


def test_scanner_finds_every_kind_of_forbidden_import(tmp_path):
    _fake_tree(tmp_path)
    _write(
        tmp_path,
        "plugins/channel_pricing/catalog.py",
        "def offers():\n    from plugins.sale_windows.services import offers\n",
    )
    _write(tmp_path, "plugins/channel_pricing/boot.py", "import saleor_flash.config\n")
    _write(
        tmp_path,
        "plugins/core/money.py",
        "from importlib import import_module\n"
        "x = import_module('plugins.channel_pricing.domain')\n",
    )
    _write(
        tmp_path,
        "plugins/sale_windows/graphql/staff.py",
        "from plugins.channel_pricing.models import Channel\n",
    )
    _write(
        tmp_path,
        "plugins/sale_windows/graphql/types.py",
        "from plugins.channel_pricing import models\n",
    )
    _write(
        tmp_path,
        "plugins/sale_windows/views.py",
        "from django.apps import apps\nC = apps.get_model('channel_pricing', 'C')\n",
    )
    _write(
        tmp_path,
        "plugins/channel_pricing/models.py",
        "from django.db import models\n"
        "class Channel(models.Model):\n"
        "    sale = models.ForeignKey('sale_windows.FlashSale', on_delete=None)\n",
    )
    _write(
        tmp_path,
        "plugins/points_payment/console.py",
        "from dashboard_ext import views\n",
    )
    assert _why(tmp_path) == {
        "plugins/channel_pricing/catalog.py": {
            "channel_pricing does not build on sale_windows"
        },
        "plugins/channel_pricing/boot.py": {"imports the host"},
        "plugins/core/money.py": {"plugins/core imports a plugin"},
        "plugins/sale_windows/graphql/staff.py": {
            "GraphQL code or views reach channel_pricing's models"
        },
        "plugins/sale_windows/graphql/types.py": {
            "GraphQL code or views reach channel_pricing's models"
        },
        "plugins/sale_windows/views.py": {
            "GraphQL code or views reach channel_pricing's models"
        },
        "plugins/channel_pricing/models.py": {
            "channel_pricing does not build on sale_windows"
        },
        "plugins/points_payment/console.py": {"a plugin imports the console"},
    }


def test_scanner_allows_what_the_layering_allows(tmp_path):
    _fake_tree(tmp_path)
    _write(
        tmp_path,
        "plugins/sale_windows/channel_access.py",
        "from plugins.channel_pricing.services import is_member\n"
        "from plugins.channel_pricing.models import ChannelMember\n"
        "from plugins.core.errors import register_error_codes\n"
        "from .models import FlashSale\n"
        "from ..sale_windows import domain\n",
    )
    _write(
        tmp_path,
        "plugins/sale_windows/graphql/staff.py",
        "from plugins.channel_pricing.services import channel_ids\n"
        "from ..models import FlashSale\n",
    )
    _write(
        tmp_path,
        "plugins/points_payment/services.py",
        "from plugins.channel_pricing import services\n",
    )
    _write(
        tmp_path,
        "dashboard_ext/views.py",
        "from plugins.sale_windows.models import FlashSale\n"
        "from plugins.channel_pricing import services\n",
    )
    assert _why(tmp_path) == {}
    edges = graph(scan(tmp_path))
    assert edges == {
        "sale_windows": {"channel_pricing", "core"},
        "points_payment": {"channel_pricing"},
        "dashboard_ext": {"sale_windows", "channel_pricing"},
    }
