"""Jinja filters of this template; cookiecutter loads them through `_extensions`.

`parts` lets the composition points (`app/core/config.py`, `app/core/resources.py`) list the
settings and resources parts of the chosen options as `_manifest` in cookiecutter.json names
them, so that an option's parts are declared once, beside the files it owns.
"""

from collections.abc import Mapping
from typing import Any, NamedTuple

from jinja2 import Environment
from jinja2.ext import Extension


class Part(NamedTuple):
    module: str
    name: str


def kept(rule: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether every `keep_when` condition of a manifest rule holds for these answers."""
    return all(answers[key] in allowed for key, allowed in rule.get("keep_when", {}).items())


def parts(cookiecutter: Mapping[str, Any], kind: str) -> list[Part]:
    """The `kind` parts ("settings" or "resources") of every rule the answers keep, in
    manifest order: `{% for part in cookiecutter | parts("settings") %}`."""
    found = []
    for rule in cookiecutter["_manifest"]["rules"]:
        if kept(rule, cookiecutter):
            for dotted in rule.get(kind, []):
                module, _, name = dotted.rpartition(".")
                found.append(Part(module, name))
    return found


class ManifestExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["parts"] = parts
