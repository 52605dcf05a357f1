"""The combination list itself: every pair of option values is rendered somewhere."""

from itertools import combinations as pairs_of

from tests.combinations import DEEP, MANIFEST, OPTIONS, ROOT, SUPPORTED, TOOLS, context
from tests.combinations import is_refused as refused


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
    paths = [path for rule in MANIFEST["rules"] for path in rule["paths"]]
    assert paths
    assert [path for path in paths if not (template / path).exists()] == []
    for rule in MANIFEST["rules"]:
        for key, values in rule["keep_when"].items():
            assert set(values) <= set(OPTIONS[key]), (key, values)
