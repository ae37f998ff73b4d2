"""Modules imported on first use, so that ``sim validate`` and ``sim --help`` stay light.

``np = lazy("numpy", __name__)`` gives a stand-in whose first attribute access imports numpy and
puts the real module in the caller's globals, so every later ``np.x`` is an ordinary lookup.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


class _Lazy:
    __slots__ = ("_name", "_owner", "_as")

    def __init__(self, name: str, owner: str, as_: str):
        self._name, self._owner, self._as = name, owner, as_

    def __getattr__(self, attr: str):
        module = importlib.import_module(self._name)
        owner = sys.modules.get(self._owner)
        if owner is not None and getattr(owner, self._as, None) is self:
            setattr(owner, self._as, module)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


def lazy(name: str, owner: str, as_: str = "np") -> ModuleType:
    """A stand-in for module ``name`` bound to global ``as_`` of module ``owner``."""
    return _Lazy(name, owner, as_)  # type: ignore[return-value]
