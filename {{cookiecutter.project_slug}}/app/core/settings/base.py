"""What every settings part shares: the environment, and refusals reported together.

A part checks single values with field validators. Values that are each valid but unsafe where
they are used (a placeholder secret in production, say) are named by its `refusals()`; every
part adds its own and calls `super()`, and `Settings` refuses them all in one error, so that a
start-up lists every problem at once instead of one per run.
"""

from collections.abc import Iterator
from typing import Literal, NamedTuple, Self

from pydantic import model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings

Environment = Literal["development", "staging", "production"]


class Refusal(NamedTuple):
    variable: str
    reason: str


class SettingsPart(BaseSettings):
    ENVIRONMENT: Environment = "development"

    @property
    def is_production(self) -> bool:
        return self.ENVIRONMENT == "production"

    @property
    def is_development(self) -> bool:
        return self.ENVIRONMENT == "development"

    def refusals(self) -> Iterator[Refusal]:
        """Unsafe values for this environment; each part yields its own after `super()`'s."""
        yield from ()

    @model_validator(mode="after")
    def refuse_unsafe_values(self) -> Self:
        refusals = list(self.refusals())
        if refusals:
            lines = "".join(f"\n  {variable}: {reason}" for variable, reason in refusals)
            raise PydanticCustomError(
                "unsafe_settings",
                "{count} unsafe setting(s) for ENVIRONMENT={environment}:{lines}",
                {"count": len(refusals), "environment": self.ENVIRONMENT, "lines": lines},
            )
        return self
