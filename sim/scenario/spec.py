"""The base of every model of the scenario language: frozen, and an unknown key is an error that
suggests the nearest valid one."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from .errors import suggest


class Spec(BaseModel):
    """Base: frozen, and unknown keys are an error that suggests the nearest valid key."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = [f.alias or name for name, f in cls.model_fields.items()]  # `from`, not `from_`
            for key in data:
                if key not in known:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key '{key}'{hint}",
                        {"key": key, "hint": suggest(str(key), known)},
                    )
        return data
