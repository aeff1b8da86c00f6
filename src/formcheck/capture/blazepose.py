"""Load MediaPipe's pose solution without the rest of the ``mediapipe`` package.

``import mediapipe`` runs the package's ``__init__``, which imports every solution and
``drawing_utils``, and that imports ``matplotlib.pyplot``: about 2 s of a cache-miss run's
start-up, of which the pose solution needs about 0.5 s. :func:`pose_solution` registers the
two package levels whose ``__init__`` does that (``mediapipe`` and
``mediapipe.python.solutions``) as lazy packages instead, then imports only
``mediapipe.python.solutions.pose``. The lazy packages load any other attribute on first
use, so later code in the same process that uses ``mediapipe.solutions.hands`` or
``mediapipe.Image`` still works.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_ROOT = "mediapipe"
_SOLUTIONS = "mediapipe.python.solutions"
_ROOT_ALIASES = {"solutions": _SOLUTIONS, "tasks": "mediapipe.tasks.python"}


def pose_solution() -> Any:
    """Return the module ``mediapipe.python.solutions.pose``, importing as little as it needs."""
    if _ROOT not in sys.modules:
        sys.modules[_ROOT] = _lazy_package(_ROOT, _root_attribute)
    if _SOLUTIONS not in sys.modules:
        importlib.import_module("mediapipe.python")  # the native bindings: always needed
        sys.modules[_SOLUTIONS] = _lazy_package(_SOLUTIONS, _submodule(_SOLUTIONS))
    return importlib.import_module(f"{_SOLUTIONS}.pose")


def _lazy_package(name: str, resolve: Any) -> types.ModuleType:
    """Return package ``name`` with its search path but without running its ``__init__``."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an installed package")
    module = types.ModuleType(name, f"{name}, loaded lazily by formcheck")
    module.__path__ = list(spec.submodule_search_locations)
    module.__spec__ = spec
    module.__dict__["__getattr__"] = resolve  # PEP 562: a module-level __getattr__
    return module


def _submodule(package: str) -> Any:
    def resolve(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from exc

    return resolve


def _root_attribute(name: str) -> Any:
    """Resolve ``mediapipe.NAME`` as the real ``__init__`` would have bound it."""
    if name == "__version__":
        from importlib import metadata

        return metadata.version(_ROOT)
    if name in _ROOT_ALIASES:
        return importlib.import_module(_ROOT_ALIASES[name])
    python = importlib.import_module("mediapipe.python")
    if hasattr(python, name):
        return getattr(python, name)  # the real __init__ does `from mediapipe.python import *`
    return _submodule(_ROOT)(name)
