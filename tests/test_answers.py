"""Answers a new user gives: slugs from any name, accounts without e-mail, free text of any kind."""

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.combinations import ROOT

# Quotes, a backslash, command substitution and backticks: plain text, never executed.
HOSTILE = 'Orders "API" \\ $(touch {marker}) `touch {marker}` O\'Brien *bold* [x](y) <b>|'


def bake(cookies: object, **answers: object) -> Path:
    result = cookies.bake(extra_context=answers, template=str(ROOT))  # type: ignore[attr-defined]
    assert result.exit_code == 0, f"{result.exception!r}"
    return Path(result.project_path)


def test_the_derived_slug_drops_punctuation(cookies: object) -> None:
    assert bake(cookies, project_name="Orders API (v2)").name == "orders_api_v2"
    assert bake(cookies, project_name="Billing-API v2").name == "billing_api_v2"


def test_auth_mode_none_alone_turns_e_mail_off(cookies: object) -> None:
    project = bake(cookies, auth_mode="none")
    assert not (project / "app" / "services" / "email_service.py").exists()
    assert "aiosmtplib" not in (project / "requirements" / "base.txt").read_text()
    assert "SMTP" not in (project / ".env").read_text()


def test_auth_mode_none_chosen_interactively_with_the_e_mail_default(tmp_path: Path) -> None:
    """15 questions: Enter for each default, but 3 (none) for the authentication choice."""
    answers = "\n" * 8 + "3\n" + "\n" * 6
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cookiecutter")), str(ROOT), "-o", str(tmp_path)],
        input=answers,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((tmp_path / "my_service" / ".cruft.json").read_text())
    assert record["context"]["cookiecutter"]["auth_mode"] == "none"
    assert not (tmp_path / "my_service" / "app" / "services" / "email_service.py").exists()


@pytest.fixture(scope="module")
def hostile(cookies_session: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    marker = tmp_path_factory.mktemp("marker") / "executed"
    text = HOSTILE.format(marker=marker)
    result = cookies_session.bake(  # type: ignore[attr-defined]
        extra_context={
            "project_name": text,
            "description": text,
            "author_name": text,
            "deployment": "kubernetes",
        },
        template=str(ROOT),
    )
    assert result.exit_code == 0, f"{result.exception!r}"
    assert not marker.exists(), "free text was executed"
    return Path(result.project_path), text


def python_constant(path: Path, name: str) -> object:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id == name and node.value is not None:
                return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in {path}")


def test_free_text_in_python(hostile: tuple[Path, str]) -> None:
    project, text = hostile
    assert python_constant(project / "app" / "main.py", "DESCRIPTION") == text
    http = project / "app" / "core" / "settings" / "http.py"
    assert python_constant(http, "PROJECT_NAME") == text


def test_free_text_in_toml(hostile: tuple[Path, str]) -> None:
    project, text = hostile
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["description"] == text
    assert pyproject["authors"][0]["name"] == text


def test_free_text_in_yaml(hostile: tuple[Path, str]) -> None:
    project, text = hostile
    deployment = yaml.safe_load((project / "k8s" / "base" / "deployment.yaml").read_text())
    assert deployment["metadata"]["annotations"]["description"] == text


def docker_words(line: str) -> list[str]:
    """A Dockerfile line's words as Docker reads them: within double quotes a backslash
    escapes `"`, `$` and itself, and `$` would expand a variable."""
    words, word, quoted, chars = [], "", False, iter(line)
    for char in chars:
        if quoted and char == "\\":
            following = next(chars)
            word += following if following in '"$\\' else char + following
        elif char == '"':
            quoted = not quoted
        elif char == "$" and quoted:
            raise AssertionError(f"unescaped $ in {line}")
        elif char == " " and not quoted:
            words, word = ([*words, word] if word else words), ""
        else:
            word += char
    return [*words, word] if word else words


def test_free_text_in_dockerfile_labels(hostile: tuple[Path, str]) -> None:
    project, text = hostile
    lines = (project / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    labels = dict(
        word.split("=", 1)
        for line in lines
        if line.startswith("LABEL ")
        for word in docker_words(line)[1:]
    )
    assert labels["org.opencontainers.image.title"] == text
    assert labels["org.opencontainers.image.description"] == text
    assert labels["org.opencontainers.image.authors"].startswith(text)


def unescape_markdown(line: str) -> str:
    out, chars = [], iter(line)
    for char in chars:
        out.append(next(chars, "") if char == "\\" else char)
    return "".join(out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_free_text_in_markdown(hostile: tuple[Path, str]) -> None:
    project, text = hostile
    lines = (project / "README.md").read_text().splitlines()
    assert lines[0] == f"# {escape_check(lines[0][2:], text)}"
    assert unescape_markdown(lines[2]) == text


def escape_check(escaped: str, text: str) -> str:
    """Markdown-active characters are escaped: none is left bare."""
    assert unescape_markdown(escaped) == text
    bare = escaped
    for pair in ("\\\\", "\\`", "\\*", "\\_", "\\[", "\\]", "\\|", "\\<", "\\>", "\\#"):
        bare = bare.replace(pair, "")
    assert not set("`*_[]|<>") & set(bare), escaped
    return escaped
