"""Generated projects take the template's later changes.

Every project records how it was made in .cruft.json, in cruft's format, whether cruft or plain
cookiecutter made it; `cruft update` brings a later template commit into a project a team has
changed, and is refused, changing nothing, across a question dropped or a choice renamed. All of
it offline, on a local git copy of the template; cruft and cookiecutter run as their CLIs do.
"""

import json
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.combinations import QUESTIONS, ROOT, SUPPORTED
from tests.conftest import explain, make_venv, run
from tests.test_generated_suite import REDIS_URL, SERVER_URL

CRUFT = str(Path(sys.executable).with_name("cruft"))
COOKIECUTTER = str(Path(sys.executable).with_name("cookiecutter"))
TEMPLATE = "{{cookiecutter.project_slug}}"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
    # Nobody's git configuration (default branch, signing, hooks) takes part.
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    # cruft wraps its error output to the terminal's width: keep each message on one line.
    "COLUMNS": "250",
}
# A combination whose suite needs no Redis, with other answers than the defaults throughout.
NON_DEFAULT = "none-noredis-nodocker"
# A Redis database of the update test's own: the deep combinations use 1 to 6.
UPDATE_REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path="/13"))
TEAM_LINE = "Orders service of the payments team."
TEAM_PIN_NOTE = "# Pins of the payments team go below."
CONFLICT = re.compile(r"^<<<<<<< ours\n(.*?)\n=======\n(.*?)\n>>>>>>> theirs\n", re.M | re.S)


def git(repo: Path, *arguments: str) -> str:
    result = run(["git", *arguments], cwd=repo, env=GIT_ENV)
    assert result.returncode == 0, explain(result)
    return result.stdout.rstrip("\n")  # porcelain lines may start with a space


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", message)
    return git(repo, "rev-parse", "HEAD")


def cruft(project: Path, *arguments: str, env: dict[str, str] | None = None) -> CompletedProcess:
    return run([CRUFT, *arguments], cwd=project, env={**GIT_ENV, **(env or {})})


@pytest.fixture(autouse=True)
def cookiecutter_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clones of template URLs and replay files go to the test's folder, not the home one; so
    do temporary files (cruft's renders, the notes the pre-generation hook leaves for them)."""
    config = tmp_path / "cookiecutter-config.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\nreplay_dir: {tmp_path / 'replay'}\n"
    )
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the template as it is now (uncommitted changes included), as
    one commit; tests clone it to add their own commits."""
    source = tmp_path_factory.mktemp("template-source") / "cookiecutter-fastapi-backend"
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    git(source, "init", "--quiet", "--initial-branch", "main")
    commit_all(source, "The template, commit N")
    return source


def clone(template_repo: Path, destination: Path) -> Path:
    git(template_repo.parent, "clone", "--quiet", str(template_repo), str(destination))
    return destination


def cruft_create(template: Path, output: Path, answers: dict[str, object]) -> Path:
    output.mkdir()
    context = ["--extra-context", json.dumps(answers)] if answers else []
    result = run(
        [CRUFT, "create", "--no-input", str(template), "--output-dir", str(output), *context],
        cwd=output,
        env=GIT_ENV,
    )
    assert result.returncode == 0, explain(result)
    return output / "my_service"


def cookiecutter_create(template: Path, output: Path, answers: dict[str, object]) -> Path:
    """Plain cookiecutter, given the template as a path relative to where it starts."""
    arguments = [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in answers.items()]
    relative = os.path.relpath(template, output.parent)
    result = run(
        [COOKIECUTTER, "--no-input", relative, "--output-dir", str(output), *arguments],
        cwd=output.parent,
        env={**GIT_ENV, "PWD": str(output.parent)},
    )
    assert result.returncode == 0, explain(result)
    return output / "my_service"


def start_repository(project: Path) -> None:
    """cruft create leaves the repository to the team; plain cookiecutter's hook makes it, with
    a first commit of everything."""
    if (project / ".git").exists():
        assert git(project, "status", "--porcelain") == ""
        return
    git(project, "init", "--quiet", "--initial-branch", "main")
    commit_all(project, "Generated")


def record(project: Path) -> dict:
    return json.loads((project / ".cruft.json").read_text(encoding="utf-8"))


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file of the project, git-ignored ones (.env) included, and where HEAD is."""
    files = {
        str(path.relative_to(project)): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }
    return {**files, "HEAD": git(project, "rev-parse", "HEAD").encode()}


def diffed_files(diff: str) -> set[str]:
    return set(re.findall(r"^diff --git upstream-template-old/(\S+) ", diff, re.MULTILINE))


def edit_cookiecutter_json(template: Path, change: Callable[[dict], object]) -> None:
    path = template / "cookiecutter.json"
    questions = json.loads(path.read_text(encoding="utf-8"))
    change(questions)
    path.write_text(json.dumps(questions, indent=2) + "\n", encoding="utf-8")


# --- The record ---------------------------------------------------------------------------


def test_plain_cookiecutter_records_what_cruft_create_does(
    template_repo: Path, tmp_path: Path
) -> None:
    template = clone(template_repo, tmp_path / "template")
    commit = git(template, "rev-parse", "HEAD")
    answers = SUPPORTED["session-noredis-gitlab-nodocker-sentry"]
    by_cruft = cruft_create(template, tmp_path / "by-cruft", answers)
    by_cookiecutter = cookiecutter_create(template, tmp_path / "by-cookiecutter", answers)

    made_by_cruft, made_by_cookiecutter = record(by_cruft), record(by_cookiecutter)
    assert made_by_cookiecutter["template"] == made_by_cruft["template"] == str(template)
    assert made_by_cookiecutter["commit"] == made_by_cruft["commit"] == commit
    for key in ("checkout", "directory"):
        assert made_by_cookiecutter[key] is made_by_cruft[key] is None
    # The same answers in the same order; of the private keys, what cruft records less the
    # manifest (cruft keeps it, inert: it never passes a _-key back as an answer).
    questions = [key for key in QUESTIONS if not key.startswith("_")]
    private = [
        key
        for key in QUESTIONS
        if key.startswith("_") and key not in ("__prompts__", "_manifest")
    ]
    assert "_template_version" in private
    assert "__email" in private  # rendered from the answers; cruft records it too
    recorded = made_by_cookiecutter["context"]["cookiecutter"]
    assert list(recorded) == [*questions, *private, "_template", "_commit"]
    cruft_recorded = made_by_cruft["context"]["cookiecutter"]
    assert "_manifest" in cruft_recorded
    assert recorded == {k: v for k, v in cruft_recorded.items() if k != "_manifest"}
    assert {k: recorded[k] for k in answers} == answers
    assert recorded["_template_version"] == VERSION
    assert (by_cookiecutter / ".cruft.json").read_text().endswith("}\n")

    # From a git URL, cookiecutter renders its own clone: the record names the URL it cloned.
    by_url = tmp_path / "by-url"
    result = run(
        [COOKIECUTTER, "--no-input", f"git+file://{template}", "--output-dir", str(by_url)],
        cwd=tmp_path,
        env=GIT_ENV,
    )
    assert result.returncode == 0, explain(result)
    by_url /= "my_service"
    made_by_url = record(by_url)
    assert made_by_url["template"] == f"file://{template}"
    assert made_by_url["commit"] == commit
    assert made_by_url["context"]["cookiecutter"]["_template"] == f"file://{template}"

    # Rendering again from the record gives the project back exactly: .env (fresh secrets) and
    # alembic/versions (a fresh revision id) are skipped, and nothing else differs.
    for project in (by_cruft, by_cookiecutter, by_url):
        diff = cruft(project, "diff", "--exit-code")
        assert diff.returncode == 0, explain(diff)
        assert diff.stdout == ""
        check = cruft(project, "check")
        assert check.returncode == 0, explain(check)
        assert "SUCCESS" in check.stdout


def test_a_template_without_git_leaves_the_link_step_to_the_team(
    template_repo: Path, tmp_path: Path
) -> None:
    template = shutil.copytree(template_repo, tmp_path / "template", ignore=lambda *_: [".git"])
    result = run(
        [COOKIECUTTER, "--no-input", str(template), "--output-dir", str(tmp_path / "out")],
        cwd=tmp_path,
        env=GIT_ENV,
    )
    assert result.returncode == 0, explain(result)
    assert (tmp_path / "out" / "my_service" / "app" / "main.py").is_file()
    assert not (tmp_path / "out" / "my_service" / ".cruft.json").exists()
    assert "no .cruft.json was written" in result.stdout
    assert "`cruft link <the template's git URL>" in result.stdout


# --- Refusals -----------------------------------------------------------------------------


def test_update_across_a_dropped_question_is_refused_and_changes_nothing(
    template_repo: Path, tmp_path: Path
) -> None:
    template = clone(template_repo, tmp_path / "template")
    readme = template / TEMPLATE / "README.md"
    # Commit N+1 asks a new question and uses the answer; N+2 no longer does.
    edit_cookiecutter_json(template, lambda questions: questions.update(team="platform"))
    readme.write_text(readme.read_text() + "\nOwned by {{ cookiecutter.team }}.\n")
    commit_all(template, "Ask for the owning team")
    project = cruft_create(template, tmp_path / "out", {"team": "payments"})
    start_repository(project)
    assert "Owned by payments." in (project / "README.md").read_text()

    edit_cookiecutter_json(template, lambda questions: questions.pop("team"))
    readme.write_text(readme.read_text().replace("\nOwned by {{ cookiecutter.team }}.\n", ""))
    dropped = commit_all(template, "No owning team any more")
    before = snapshot(project)

    refused = cruft(project, "update", "-y")
    assert refused.returncode != 0, explain(refused)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("ERROR:")]
    assert errors == [
        'ERROR: the answer team="payments" in .cruft.json is no longer asked by the template at '
        f"commit {dropped[:12]}, and updating would drop what it generated, so nothing was "
        "changed: read the template's CHANGELOG.md, then update with "
        "TEMPLATE_DROPPED_ANSWERS_OK=team"
    ], explain(refused)
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""

    # Once the team has read about it, it lets the answer go: the update then goes through.
    accepted = cruft(project, "update", "-y", env={"TEMPLATE_DROPPED_ANSWERS_OK": "team"})
    assert accepted.returncode == 0, explain(accepted)
    # Only what the template changed: .env and the migrations are rendered afresh each time, but
    # skipped.
    status = set(git(project, "status", "--porcelain").splitlines())
    assert status == {" M .cruft.json", "M  README.md"}, explain(accepted)
    assert "Owned by payments." not in (project / "README.md").read_text()
    assert "team" not in record(project)["context"]["cookiecutter"]
    assert record(project)["commit"] == dropped


def test_update_across_a_renamed_choice_is_refused_and_changes_nothing(
    template_repo: Path, tmp_path: Path
) -> None:
    template = clone(template_repo, tmp_path / "template")
    project = cruft_create(template, tmp_path / "out", {})
    start_repository(project)

    def rename(questions: dict) -> None:
        questions["ci_provider"] = ["github-actions", "gitlab", "none"]
        for rule in questions["_manifest"]["rules"]:
            if rule["keep_when"].get("ci_provider") == ["github"]:
                rule["keep_when"]["ci_provider"] = ["github-actions"]

    edit_cookiecutter_json(template, rename)
    commit_all(template, "Rename the github choice")
    before = snapshot(project)

    refused = cruft(project, "update", "-y")
    assert refused.returncode != 0, explain(refused)
    assert refused.stderr.strip().splitlines()[-1] == (
        "ValueError: github provided for choice variable ci_provider, "
        "but the choices are ['github-actions', 'gitlab', 'none']."
    ), explain(refused)
    assert snapshot(project) == before
    assert git(project, "status", "--porcelain") == ""


# --- The update, end to end ---------------------------------------------------------------


def change_the_template(template: Path) -> str:
    """Commit N+1: adds a file, changes one the team leaves alone and one the team changed,
    and changes the manifest (the project's record still holds the old one)."""
    project = template / TEMPLATE
    (project / "tests" / "unit" / "test_template_update.py").write_text(
        '"""Added by a template update."""\n\n\n'
        "def test_added_by_the_template_update() -> None:\n"
        '    assert "{{ cookiecutter.project_slug }}" == "my_service"\n'
    )
    makefile = project / "Makefile"
    lines = makefile.read_text().splitlines(keepends=True)
    makefile.write_text("".join(["# Everyday tasks. `make help` lists them.\n", *lines[1:]]))
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    assert lines[2] == "{{ cookiecutter.description | md }}\n"
    lines[2] = "{{ cookiecutter.description | md }} Made with cookiecutter-fastapi-backend.\n"
    readme.write_text("".join(lines))
    rule = {"paths": ["PROJECT_STRUCTURE.md"], "keep_when": {"use_sentry": [True]}}
    edit_cookiecutter_json(template, lambda questions: questions["_manifest"]["rules"].append(rule))
    return commit_all(template, "The template, commit N+1")


def change_the_project(project: Path) -> None:
    """What the team does: its own description in the README, a line in a team-owned file,
    a setting in .env (never committed)."""
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    lines[2] = f"{TEAM_LINE}\n"
    readme.write_text("".join(lines))
    pins = project / "requirements" / "base.txt"
    pins.write_text(pins.read_text() + TEAM_PIN_NOTE + "\n")
    env = project / ".env"
    settings = env.read_text()
    assert "LOG_LEVEL=INFO\n" in settings
    env.write_text(settings.replace("LOG_LEVEL=INFO\n", "LOG_LEVEL=DEBUG\n"))
    commit_all(project, "The team's changes")


def untouchable(project: Path) -> dict[str, bytes]:
    """What an update must leave as it is: .env, the migrations and the team's own pins."""
    paths = [project / ".env", project / "requirements" / "base.txt"]
    paths += [path for path in (project / "alembic" / "versions").iterdir() if path.is_file()]
    return {str(path.relative_to(project)): path.read_bytes() for path in paths}


def run_generated_suite(project: Path, venv: Path) -> str:
    bin_dir = make_venv(venv, [project / "requirements" / "test.txt"])
    env = {"TEST_DATABASE_URL": SERVER_URL, "TEST_REDIS_URL": UPDATE_REDIS_URL}
    result = run([str(bin_dir / "pytest"), "-q", "-rA", "-p", "no:cacheprovider"], project, env)
    assert result.returncode == 0, explain(result)
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert not re.search(r"failed|error|skipped", summary), summary
    return result.stdout


@pytest.mark.deep
@pytest.mark.xdist_group("update")
def test_update_brings_the_template_changes_and_keeps_the_teams(
    template_repo: Path, tmp_path: Path
) -> None:
    template = clone(template_repo, tmp_path / "template")
    transcript = []
    # 1. Projects from commit N: the default answers through cruft create, and a combination
    #    with other answers through plain cookiecutter.
    projects = {
        "default": cruft_create(template, tmp_path / "default", {}),
        NON_DEFAULT: cookiecutter_create(template, tmp_path / NON_DEFAULT, SUPPORTED[NON_DEFAULT]),
    }
    # 2. The team changes each and commits.
    kept: dict[Path, dict[str, bytes]] = {}
    for project in projects.values():
        start_repository(project)
        change_the_project(project)
        kept[project] = untouchable(project)
    # 3. The template moves on.
    new_commit = change_the_template(template)

    for name, project in projects.items():
        check = cruft(project, "check")
        assert check.returncode == 1, explain(check)
        assert "FAILURE: Project's cruft is out of date!" in check.stdout
        # cruft diff: the team's changes to the template at the recorded commit, nothing else.
        diff = cruft(project, "diff", "--exit-code")
        assert diff.returncode == 1, explain(diff)
        assert diffed_files(diff.stdout) == {"README.md", "requirements/base.txt"}, diff.stdout

        # 4. The update, without questions.
        update = cruft(project, "update", "-y")
        transcript += [f"[{name}] $ cruft diff", diff.stdout, f"[{name}] $ cruft update -y"]
        transcript += [update.stdout, update.stderr]
        assert update.returncode == 0, explain(update)
        assert "Good work! Project's cruft has been updated" in update.stdout
        # The conflict, reported as cruft reports it (git apply --3way's own words).
        assert "Applied patch to 'README.md' with conflicts." in update.stderr, explain(update)
        assert "U README.md" in update.stderr.splitlines(), explain(update)
        status = set(git(project, "status", "--porcelain").splitlines())
        assert status == {
            " M .cruft.json",
            "M  Makefile",
            "UU README.md",
            "A  tests/unit/test_template_update.py",
            "D  PROJECT_STRUCTURE.md",  # the new manifest's doing, not the recorded one's
        }, explain(update)
        # The template's changes arrived; the team's change is in the conflict, its other files
        # are untouched, .env and the migrations too.
        assert (project / "tests/unit/test_template_update.py").is_file()
        assert (project / "Makefile").read_text().startswith("# Everyday tasks.")
        conflict = CONFLICT.search((project / "README.md").read_text())
        assert conflict, (project / "README.md").read_text()
        assert conflict.groups() == (
            TEAM_LINE,
            "A FastAPI backend service. Made with cookiecutter-fastapi-backend.",
        )
        assert untouchable(project) == kept[project]
        assert record(project)["commit"] == new_commit
        assert record(project)["context"]["cookiecutter"]["_commit"] == new_commit

        # The team resolves the conflict its way and commits; cruft is then content.
        readme = project / "README.md"
        readme.write_text(CONFLICT.sub(lambda match: match.group(1) + "\n", readme.read_text()))
        commit_all(project, "Template update")
        check = cruft(project, "check")
        assert check.returncode == 0, explain(check)
        assert "SUCCESS: Good work! Project's cruft is up to date" in check.stdout
        after = cruft(project, "diff", "--exit-code")
        assert diffed_files(after.stdout) == {"README.md", "requirements/base.txt"}, after.stdout

    # The updated projects' own suites pass, the test the template added included.
    for name, project in projects.items():
        output = run_generated_suite(project, tmp_path / f"venv-{name}")
        assert "PASSED tests/unit/test_template_update.py::test_added_by_the_template_update" in (
            output
        )
    print("\n".join(transcript))


def test_update_outside_git_leaves_rej_files(template_repo: Path, tmp_path: Path) -> None:
    """Without git history to merge with, cruft applies what it can and leaves the rest in
    *.rej files, as the READMEs say."""
    template = clone(template_repo, tmp_path / "template")
    project = cruft_create(template, tmp_path / "out", {})
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    lines[2] = f"{TEAM_LINE}\n"
    readme.write_text("".join(lines))
    change_the_template(template)

    update = cruft(project, "update", "-y")
    assert update.returncode == 0, explain(update)
    assert "Project directory may have *.rej files" in update.stdout, explain(update)
    assert TEAM_LINE in readme.read_text()
    rejected = (project / "README.md.rej").read_text()
    assert "+A FastAPI backend service. Made with cookiecutter-fastapi-backend." in rejected
    assert (project / "Makefile").read_text().startswith("# Everyday tasks.")
    assert (project / "tests/unit/test_template_update.py").is_file()
    assert [path.name for path in project.rglob("*.rej")] == ["README.md.rej"]


# --- The changelog ------------------------------------------------------------------------


def test_changelog_has_an_entry_for_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    entries = re.split(r"^## ", changelog, flags=re.MULTILINE)[1:]
    headings = [re.match(r"(\d+)\.(\d+)\.(\d+) \(\d{4}-\d{2}-\d{2}\)\n", e) for e in entries]
    assert all(headings), [entry.splitlines()[0] for entry in entries]
    versions = [tuple(int(part) for part in h.groups()) for h in headings if h]
    assert versions == sorted(versions, reverse=True)
    assert len(set(versions)) == len(versions)
    assert ".".join(map(str, versions[0])) == VERSION == QUESTIONS["_template_version"]
    assert all("**When you update:**" in entry for entry in entries)
