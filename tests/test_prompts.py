"""Prompt files: validated at load, rendered with StrictUndefined."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import DataFileError
from assistant.llm.prompts import load_prompt

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(p.stem for p in (REPO / "prompts").glob("*.yaml")))
def test_every_shipped_prompt_loads(name: str) -> None:
    assert load_prompt(name, REPO / "prompts").messages


def test_render_needs_exactly_the_declared_variables() -> None:
    prompt = load_prompt("repair", REPO / "prompts")
    assert "- too long" in prompt.render(problems=["too long"])[0][1]
    with pytest.raises(ValueError, match="needs"):
        prompt.render()
    with pytest.raises(ValueError, match="needs"):
        prompt.render(problems=[], extra=1)


def test_a_template_using_an_undeclared_variable_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "name: bad\nvariables: [a]\nmessages:\n  - role: user\n    content: '{{ a }} {{ b }}'\n",
        encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad\.yaml"):
        load_prompt("bad", tmp_path)


def test_a_prompt_with_an_unknown_role_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "odd.yaml").write_text(
        "name: odd\nvariables: []\nmessages:\n  - role: narrator\n    content: hi\n",
        encoding="utf-8")
    with pytest.raises(DataFileError, match=r"messages\.0\.role"):
        load_prompt("odd", tmp_path)
