"""The template's own source, before rendering.

Options compose the application in a few modules, at module level: Jinja inside function
bodies or scattered over every file makes the code hard to read, lint and type-check as
Python. The modules without Jinja statements are plain Python and must stay valid and
lint-clean as they stand, under the generated project's own ruff configuration; the only
Jinja they may hold is a `{{ cookiecutter.x }}` value inside a string literal.
"""

import ast
import re
import subprocess
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.combinations import ROOT
from tests.conftest import Render

TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
# Lines of app/**/*.py holding a Jinja statement or comment, all files together.
BUDGET = 50
# The only modules of app/ where options may compose the code (paths in the template).
COMPOSITION_POINTS = (
    "app/core/config.py",
    "app/core/resources.py",
    "app/models/user.py",
    "app/schemas/user.py",
    "app/api/v1/router.py",
    "app/api/v1/dependencies.py",
)
STATEMENT_OR_COMMENT = re.compile(r"\{%|\{#")
TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# Stands in for a {{ ... }} expression, so the rest parses as Python.
PLACEHOLDER = "JINJA_EXPRESSION"


class JinjaLine(NamedTuple):
    path: str  # relative to the template folder
    number: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.number}: {self.text.strip()}"


def jinja_lines(path: str, source: str) -> list[JinjaLine]:
    """The lines holding a Jinja statement or comment ({{ }} expressions do not count)."""
    return [
        JinjaLine(path, number, text)
        for number, text in enumerate(source.splitlines(), 1)
        if STATEMENT_OR_COMMENT.search(text)
    ]


def is_whole_tag_line(text: str) -> bool:
    """Whether the line is one tag and nothing else, e.g. `{%- if cookiecutter.use_redis %}`."""
    return len(STATEMENT_OR_COMMENT.findall(text)) == 1 and TAG.fullmatch(text.strip()) is not None


def python_skeleton(source: str) -> str:
    """The source with its Jinja tags blanked out and each expression replaced by a name.

    Every line keeps its number, so positions in the skeleton are positions in the template.
    """
    untagged = TAG.sub(lambda match: "\n" * match.group().count("\n"), source)
    return EXPRESSION.sub(lambda match: PLACEHOLDER + "\n" * match.group().count("\n"), untagged)


def inside_function_bodies(source: str, numbers: Collection[int]) -> list[int]:
    """Those of the line numbers that fall within a def or async def (SyntaxError if the
    skeleton does not parse). A tag right after a function's last statement, indented
    deeper than its `def`, closes a block of that body: it counts as inside too."""
    skeleton = python_skeleton(source)
    tree = ast.parse(skeleton)
    original, blank = source.splitlines(), [not line.strip() for line in skeleton.splitlines()]
    spans = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        end = node.end_lineno or node.lineno
        for number in range(end + 1, len(original) + 1):
            text = original[number - 1]
            if not blank[number - 1]:
                break  # code again
            if text.strip():
                if len(text) - len(text.lstrip()) <= node.col_offset:
                    break
                end = number
        spans.append((node.lineno, end))
    return [number for number in numbers if any(start <= number <= end for start, end in spans)]


def jinja_report(sources: dict[str, str], budget: int, composition_points: Collection[str]) -> str:
    """Empty when the Jinja of these sources (path: text) keeps within the rules; otherwise
    the totals and every offending file:line."""
    found: list[JinjaLine] = []
    outside: list[JinjaLine] = []
    not_alone: list[JinjaLine] = []
    in_functions: list[JinjaLine] = []
    unparsable: list[str] = []
    for path, source in sorted(sources.items()):
        lines = jinja_lines(path, source)
        if not lines:
            continue
        found += lines
        if path not in composition_points:
            outside += lines
        not_alone += [line for line in lines if not is_whole_tag_line(line.text)]
        try:
            inside = set(inside_function_bodies(source, [line.number for line in lines]))
        except SyntaxError as error:
            unparsable.append(f"{path}:{error.lineno}: {error.msg}")
        else:
            in_functions += [line for line in lines if line.number in inside]
    missing = [path for path in composition_points if path not in sources]
    if len(found) <= budget and not (outside or not_alone or in_functions or unparsable or missing):
        return ""

    per_file = Counter(line.path for line in found)
    report = [
        f"Jinja statement/comment lines in app/: {len(found)} in {len(per_file)} files "
        f"(budget {budget}: {'over by ' + str(len(found) - budget) if len(found) > budget else 'kept'})",
        f"  outside the {len(composition_points)} composition points: {len(outside)} lines "
        f"in {len({line.path for line in outside})} files",
        f"  not alone on their line: {len(not_alone)}",
        f"  inside a function body: {len(in_functions)}",
        f"  files that do not parse once their Jinja is taken out: {len(unparsable)}",
        f"  composition points missing from the template: {len(missing)}",
        "lines per file:",
        *(f"  {path}: {count}" for path, count in per_file.most_common()),
    ]
    for title, entries in (
        ("outside the composition points", outside),
        ("not alone on their line", not_alone),
        ("inside a function body", in_functions),
        ("do not parse once their Jinja is taken out", unparsable),
        ("composition points missing from the template", missing),
    ):
        if entries:
            report += [f"{title}:", *(f"  {entry}" for entry in entries)]
    return "\n".join(report)


def template_sources(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(TEMPLATE)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*.py"))
    }


def plain_modules() -> list[str]:
    """Every .py file of the template without a Jinja statement or comment, relative to the
    template folder (values inside string literals leave a module plain)."""
    modules = [
        path
        for path, source in template_sources(TEMPLATE).items()
        if not STATEMENT_OR_COMMENT.search(source)
    ]
    assert len(modules) >= 10, modules  # the scan found the template's modules
    return modules


# --- the template as it stands -----------------------------------------------------------


def test_app_jinja_budget() -> None:
    """At most BUDGET tag lines, only in COMPOSITION_POINTS, one tag a line, at module level."""
    report = jinja_report(template_sources(TEMPLATE / "app"), BUDGET, COMPOSITION_POINTS)
    if report:
        pytest.fail(report, pytrace=False)


def test_plain_template_modules_parse() -> None:
    errors = []
    for path in plain_modules():
        try:
            ast.parse((TEMPLATE / path).read_text(encoding="utf-8"), filename=path)
        except SyntaxError as error:
            errors.append(f"{path}:{error.lineno}: {error.msg}")
    assert errors == []


def ruff_check(ruff: Path, project: Path, *arguments: str, stdin: str | None = None) -> str:
    """ruff check from the template folder with a rendered project's configuration: its
    per-file ignores and first-party packages then resolve against the template's folders,
    as they do in the project. Returns the findings, one a line ("" when clean)."""
    command = [str(ruff), "check", "--config", str(project / "pyproject.toml"), "--no-cache"]
    command += ["--output-format", "concise", "--quiet", *arguments]
    result = subprocess.run(
        command, cwd=TEMPLATE, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode in {0, 1}, f"{' '.join(command)}\n{result.stdout}{result.stderr}"
    return result.stdout.strip()


# Lint-clean in the project's tests/ (first-party app and tests, asserts allowed), not in app/.
PROBE = """\
import os

import pytest

from app.core import config
from tests.conftest import PROJECT_ROOT


def test_probe() -> None:
    assert all((os, pytest, config, PROJECT_ROOT))
"""


def test_ruff_on_the_template_applies_the_project_configuration(
    render: Render, tools: Path
) -> None:
    """The check below is only as good as its configuration: prove the rendered project's
    rules, per-file ignores and first-party packages apply in the template folder."""
    project = render("default")
    in_app = ruff_check(tools / "ruff", project, "--stdin-filename", "app/probe.py", stdin=PROBE)
    assert "S101" in in_app, in_app  # the project's rule set, not the generator's
    in_tests = ruff_check(
        tools / "ruff", project, "--stdin-filename", "tests/unit/test_probe.py", stdin=PROBE
    )
    assert in_tests == ""  # tests/** may assert; app and tests are first-party (no I001)
    unsorted = PROBE.replace("import pytest\n\n", "").replace(
        "from app.core import config\n", "from app.core import config\nimport pytest\n"
    )
    findings = ruff_check(
        tools / "ruff", project, "--stdin-filename", "tests/unit/test_probe.py", stdin=unsorted
    )
    assert "I001" in findings, findings


def test_plain_template_modules_pass_the_project_ruff_check(render: Render, tools: Path) -> None:
    modules = plain_modules()
    findings = ruff_check(tools / "ruff", render("default"), *modules)
    assert findings == "", (
        f"ruff check on the {len(modules)} template modules without Jinja:\n{findings}"
    )


# --- the helpers, on hand-made sources -----------------------------------------------------

SAMPLE = """\
import os
{%- if cookiecutter.use_redis %}
import redis
{%- endif %}
{# a comment at module level #}


def ping() -> str:
    {%- if cookiecutter.use_redis %}
    return "{{ cookiecutter.project_slug }}"
    {%- else %}
    return {{ cookiecutter.timeout }}
    {%- endif %}


class Settings:
{%- if cookiecutter.use_redis %}
    REDIS_URL: str = ""
{%- endif %}

    async def check(self) -> None:
        {%- if cookiecutter.use_redis %}
        await redis.ping()
        {%- endif %}
"""


def test_jinja_lines_are_statements_and_comments_only() -> None:
    assert [line.number for line in jinja_lines("m.py", SAMPLE)] == [
        2,
        4,
        5,
        9,
        11,
        13,
        17,
        19,
        22,
        24,
    ]
    assert jinja_lines("m.py", 'NAME = "{{ cookiecutter.project_slug }}"\n') == []


def test_whole_tag_lines() -> None:
    for text in ("{%- if cookiecutter.use_redis %}", "    {% endif -%}", "{# why #}"):
        assert is_whole_tag_line(text), text
    for text in (
        "import redis  {% if cookiecutter.use_redis %}",
        "{% if cookiecutter.use_redis %}import redis{% endif %}",
        "{%- if a %}{%- endif %}",
        "# {% if cookiecutter.use_redis %}",
        "x = 1  {# why #}",
    ):
        assert not is_whole_tag_line(text), text


def test_skeleton_keeps_line_numbers_and_parses() -> None:
    skeleton = python_skeleton(SAMPLE)
    assert len(skeleton.splitlines()) == len(SAMPLE.splitlines())
    assert "{" not in skeleton
    assert f"return {PLACEHOLDER}" in skeleton
    ast.parse(skeleton)


def test_jinja_inside_a_def_is_found_and_at_module_level_is_not() -> None:
    numbers = [line.number for line in jinja_lines("m.py", SAMPLE)]
    # ping's four tags and the async method's two; not the imports, comment or class fields.
    assert inside_function_bodies(SAMPLE, numbers) == [9, 11, 13, 22, 24]
    module_level = "{%- if a %}\ndef f() -> None:\n    pass\n{%- endif %}\n"
    assert inside_function_bodies(module_level, [1, 4]) == []


def test_report_names_each_offence_with_totals() -> None:
    points = ["app/core/config.py", "app/models/user.py"]
    clean = {
        "app/core/config.py": "{%- if a %}\nA = 1\n{%- endif %}\n",
        "app/models/user.py": "X = '{{ cookiecutter.project_slug }}'\n",
        "app/main.py": "import os\n",
    }
    assert jinja_report(clean, 3, points) == ""

    report = jinja_report({**clean, "app/main.py": SAMPLE}, 3, points)
    assert report.startswith(
        "Jinja statement/comment lines in app/: 12 in 2 files (budget 3: over by 9)"
    )
    assert "outside the 2 composition points: 10 lines in 1 files" in report
    assert "  app/main.py:9: {%- if cookiecutter.use_redis %}" in report
    assert "inside a function body: 5" in report
    assert "  app/main.py: 10\n  app/core/config.py: 2" in report

    mid_line = jinja_report({**clean, "app/core/config.py": "A = 1  {# why #}\n"}, 50, points)
    assert "not alone on their line: 1" in mid_line
    assert "  app/core/config.py:1: A = 1  {# why #}" in mid_line

    broken = {**clean, "app/core/config.py": "def f() -> None:\n{%- if a %}\n{%- endif %}\n"}
    assert "  app/core/config.py:3: expected an indented block" in jinja_report(broken, 50, points)

    assert "  app/models/user.py" in jinja_report(
        {"app/core/config.py": clean["app/core/config.py"]}, 50, points
    )
