"""Each license renders its own text, and the project metadata agrees with it."""

import pytest

from tests.combinations import ROOT

TEXTS = {
    "MIT": ["MIT License", "Permission is hereby granted, free of charge"],
    "BSD-3-Clause": ["BSD 3-Clause License", "Neither the name of the copyright holder"],
    "Apache-2.0": ["Apache License", "Version 2.0, January 2004", "END OF TERMS AND CONDITIONS"],
}


@pytest.mark.parametrize("license_name", sorted(TEXTS))
def test_license_text_and_metadata(cookies: object, license_name: str) -> None:
    result = cookies.bake(  # type: ignore[attr-defined]
        extra_context={"open_source_license": license_name, "author_name": "Ada Lovelace"},
        template=str(ROOT),
    )
    assert result.exit_code == 0, result.exception
    text = (result.project_path / "LICENSE").read_text()
    for phrase in TEXTS[license_name]:
        assert phrase in text
    for other, phrases in TEXTS.items():
        if other != license_name:
            assert phrases[1] not in text
    if license_name != "Apache-2.0":  # Apache names no copyright holder in its text
        assert "Ada Lovelace" in text
    assert f'license = "{license_name}"' in (result.project_path / "pyproject.toml").read_text()


def test_proprietary_has_no_license_file(cookies: object) -> None:
    result = cookies.bake(  # type: ignore[attr-defined]
        extra_context={"open_source_license": "Proprietary"}, template=str(ROOT)
    )
    assert result.exit_code == 0, result.exception
    assert not (result.project_path / "LICENSE").exists()
    pyproject = (result.project_path / "pyproject.toml").read_text()
    assert "license-files" not in pyproject
    assert "Private :: Do Not Upload" in pyproject
