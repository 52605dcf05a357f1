"""Jinja filters of this template; cookiecutter loads them through `_extensions`.

`parts` lets the composition points (`app/core/config.py`, `app/core/resources.py`) list the
settings and resources parts of the chosen options as `_manifest` in cookiecutter.json names
them, so that an option's parts are declared once, beside the files it owns.

The quoting filters write free text (project_name, description, author_name) into each file
format as a literal of that format (py_str: the inside of one), so that quotes, backslashes, `$(...)` and backticks stay
plain text: `py_str`, `toml_str`, `yaml_str`, `docker_str` (a Dockerfile double-quoted word)
and `md` (Markdown text).
"""

import json
import re
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


def py_str(text: str) -> str:
    """The inside of a double-quoted Python string literal, so that template modules stay
    Python (`NAME = "{{ cookiecutter.project_name | py_str }}"`). A double quote becomes
    `\\x22`: ruff format would turn an escaped one into single quotes."""
    return json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', "\\x22")


def toml_str(text: str) -> str:
    """A TOML basic string (its escapes are JSON's)."""
    return json.dumps(text, ensure_ascii=False)


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def docker_str(text: str) -> str:
    """A double-quoted Dockerfile word: `\\`, `"` and `$` (variable expansion) escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]|#<>~])")


def md(text: str) -> str:
    """Markdown text that shows exactly `text`: every character Markdown acts on escaped."""
    return MARKDOWN_ACTIVE.sub(r"\\\1", text)


class ManifestExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["parts"] = parts
        environment.filters.update(
            py_str=py_str, toml_str=toml_str, yaml_str=yaml_str, docker_str=docker_str, md=md
        )
