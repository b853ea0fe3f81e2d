"""Issue 13: services take the ports they use (Protocols composed from app/ports.py), never the whole AppContext.

mypy proves AppContext satisfies every service's Protocol (app/context.py); this keeps the services from
reaching back to the composition root.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Protocol

import app.services

SERVICES = Path(app.services.__file__).parent


def _service_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(SERVICES)]))


def test_services_do_not_import_the_composition_root() -> None:
    for name in _service_modules():
        tree = ast.parse((SERVICES / f"{name}.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        assert "app.context" not in imported, name


def test_every_ctx_parameter_is_a_protocol() -> None:
    checked = 0
    for name in _service_modules():
        module = importlib.import_module(f"app.services.{name}")
        for fn_name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or "ctx" not in inspect.signature(fn).parameters:
                continue
            hints = inspect.get_annotations(fn, eval_str=True)
            kind = hints["ctx"]
            kinds = [k for k in getattr(kind, "__args__", (kind,)) if k is not type(None)]
            for k in kinds:
                assert Protocol in getattr(k, "__mro__", ()) and getattr(k, "_is_protocol", False), (name, fn_name, k)
            checked += 1
    assert checked > 50
