"""The combination list itself: every pair of option values is rendered somewhere."""

from itertools import combinations as pairs_of
from typing import Any

from tests.combinations import (
    DEEP,
    DEFAULTS,
    MANIFEST,
    OPTIONS,
    ROOT,
    SUPPORTED,
    TOOLS,
    context,
    expected_paths,
    source_key,
    variants,
)
from tests.combinations import is_refused as refused

# Options that add or remove files: each must say which, in the manifest and nowhere else.
FILE_OWNING = (
    "include_docker",
    "ci_provider",
    "deployment",
    "use_sentry",
    "enable_email",
    "auth_mode",
    "use_redis",
    "task_queue",
    "observability",
)


def test_every_pair_of_option_values_is_rendered() -> None:
    rendered = [context(name) for name in SUPPORTED]
    missing = []
    for first, second in pairs_of(sorted(OPTIONS), 2):
        for a in OPTIONS[first]:
            for b in OPTIONS[second]:
                if refused({first: a, second: b}):
                    continue
                if not any(r[first] == a and r[second] == b for r in rendered):
                    missing.append(f"{first}={a} with {second}={b}")
    assert missing == []


def test_supported_combinations_are_not_refused_and_use_known_values() -> None:
    for name in SUPPORTED:
        answers = context(name)
        assert not refused(answers), name
        for key, value in answers.items():
            if key in OPTIONS:
                assert value in OPTIONS[key], f"{name}: {key}={value}"


def test_deep_and_tools_combinations_are_supported_ones() -> None:
    assert set(DEEP) <= set(SUPPORTED)
    assert TOOLS in SUPPORTED
    assert "default" in DEEP


def test_every_manifest_path_exists_in_the_template() -> None:
    template = ROOT / "{{cookiecutter.project_slug}}"
    # A variant's target is made by the post-generation hook; its sources are checked below.
    targets = {variant["path"] for variant in variants()}
    paths = [path for rule in MANIFEST["rules"] for path in rule["paths"] if path not in targets]
    assert paths
    assert [path for path in paths if not (template / path).exists()] == []
    for rule in MANIFEST["rules"]:
        for key, values in rule["keep_when"].items():
            assert set(values) <= set(OPTIONS[key]), (key, values)


def test_every_variant_source_exists_and_names_a_choice() -> None:
    template = ROOT / "{{cookiecutter.project_slug}}"
    for variant in variants():
        assert variant["by"] in OPTIONS, variant
        assert variant["sources"], variant
        choices = {source_key(value) for value in OPTIONS[variant["by"]]}
        assert set(variant["sources"]) <= choices, variant
        missing = [
            source for source in variant["sources"].values() if not (template / source).is_file()
        ]
        assert missing == [], variant


def test_every_file_owning_option_has_a_manifest_entry() -> None:
    owners = {key for rule in MANIFEST["rules"] for key in rule["keep_when"]}
    owners |= {variant["by"] for variant in variants()}
    assert [option for option in FILE_OWNING if option not in owners] == []


def with_default_jobs(answers: dict[str, object]) -> dict[str, object]:
    """The answers, with task_queue=none where the default (saq) would be refused for want of
    e-mail or accounts, as a team answering enable_email=false does."""
    if refused(answers) and answers["task_queue"] == "saq":
        return {**answers, "task_queue": "none"}
    return answers


def test_every_file_owning_option_changes_the_expected_files() -> None:
    """A rule that keeps its files for every value of its option would own nothing."""
    inert = []
    for option in FILE_OWNING:
        outcomes = [
            expected_paths(answers)
            for value in OPTIONS[option]
            if not refused(answers := with_default_jobs({**DEFAULTS, option: value}))
        ]
        if all(outcome == outcomes[0] for outcome in outcomes):
            inert.append(option)
    assert inert == []


def test_expected_paths_reads_rules_and_variants() -> None:
    manifest: dict[str, Any] = {
        "rules": [
            {"paths": ["k8s", "app/core/security.py"], "keep_when": {"deployment": ["kubernetes"]}},
            {"paths": ["app/core/security.py"], "keep_when": {"auth_mode": ["jwt", "session"]}},
        ],
        "variants": [
            {
                "path": "app/core/security.py",
                "by": "auth_mode",
                "sources": {
                    "jwt": "app/core/security_jwt.py",
                    "session": "app/core/security_session.py",
                },
            },
            {
                "path": "app/core/cache.py",
                "by": "use_redis",
                "sources": {"true": "app/core/cache_redis.py"},
            },
        ],
    }
    sources = {
        "app/core/security_jwt.py": False,
        "app/core/security_session.py": False,
        "app/core/cache_redis.py": False,
    }
    k8s_jwt = {**DEFAULTS, "deployment": "kubernetes", "auth_mode": "jwt"}
    assert expected_paths(k8s_jwt, manifest) == {
        "k8s": True,
        "app/core/security.py": True,
        "app/core/cache.py": True,
        **sources,
    }
    session_noredis = {**DEFAULTS, "auth_mode": "session", "use_redis": False}
    assert expected_paths(session_noredis, manifest) == {
        "k8s": False,
        "app/core/security.py": False,
        "app/core/cache.py": False,
        **sources,
    }
    k8s_none = {**DEFAULTS, "deployment": "kubernetes", "auth_mode": "none"}
    assert expected_paths(k8s_none, manifest)["app/core/security.py"] is False
    # Without a variants section the rules alone decide.
    assert expected_paths(k8s_jwt, {"rules": manifest["rules"]}) == {
        "k8s": True,
        "app/core/security.py": True,
    }
