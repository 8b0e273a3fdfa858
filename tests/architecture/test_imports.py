"""The dependency rule holds (tests/architecture/layers.py), and the checker catches a break."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.architecture.layers import check, layer_of


def test_no_upward_imports_no_cycles_and_core_is_framework_free():
    violations = check()
    assert not violations, "\n".join(str(v) for v in violations)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root


def test_an_upward_import_inside_a_function_is_named_with_file_and_line(tmp_path):
    root = _tree(tmp_path, {
        "accounts/__init__.py": "",
        "accounts/services.py": """\
            def workspace_create():
                from generation.models import Ad  # upward, hidden in a function
                return Ad
        """,
        "generation/__init__.py": "",
        "generation/models.py": "from accounts import services\n",
    })
    found = [str(v) for v in check(root)]
    assert any("accounts/services.py:2" in v and "generation.models" in v and "higher layer" in v
               for v in found), found


def test_a_cycle_inside_one_app_is_named(tmp_path):
    root = _tree(tmp_path, {
        "products/__init__.py": "",
        "products/selectors.py": "from products.services import _helper\n",
        "products/services.py": "\n\nfrom . import selectors\n",
    })
    (cycle,) = [v for v in check(root) if v.kind == "cycle"]
    assert "products/selectors.py:1 products.selectors → products.services" in str(cycle)
    assert "products/services.py:3 products.services → products.selectors" in str(cycle)


def test_core_may_not_import_django_or_an_app(tmp_path):
    root = _tree(tmp_path, {
        "core/__init__.py": "",
        "core/money.py": "from django.conf import settings\nimport accounts.models\n",
        "accounts/__init__.py": "",
        "accounts/models.py": "",
    })
    found = [str(v) for v in check(root)]
    assert any("core/money.py:1" in v and "framework-free" in v for v in found), found
    assert any("core/money.py:2" in v and "higher layer" in v for v in found), found


def test_surfaces_may_import_any_domain_module_but_not_the_reverse(tmp_path):
    root = _tree(tmp_path, {
        "accounts/__init__.py": "",
        "accounts/views.py": "from generation.services import job_start\n",
        "generation/__init__.py": "",
        "generation/services.py": "job_start = None\n",
        "generation/tasks.py": "from generation.api.views import JobView\n",
        "generation/api/__init__.py": "",
        "generation/api/views.py": "JobView = None\n",
    })
    found = [str(v) for v in check(root)]
    assert found == [
        "generation/tasks.py:1: generation.tasks (generation) imports generation.api.views "
        "(surfaces), a higher layer"
    ]


def test_layers_of_real_modules():
    assert layer_of("products.scraping.extract") == "products"
    assert layer_of("core.fetch") == "core"
    assert layer_of("products.api.views") == "surfaces"
    assert layer_of("accounts.management.commands.create_api_key") == "surfaces"
    assert layer_of("config.urls") == "surfaces"
    assert layer_of("config.settings.base") == "config"
