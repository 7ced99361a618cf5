"""The planted policy-breach set (evals/replay_policy): every breach found at its turn with the
quote and the rule, and no offer within policy flagged (issue #17's acceptance)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.coach import Coach
from assistant.errors import DataFileError
from assistant.evaluation.breach_set import load_breach_set, schema_text, score_breach_set
from assistant.policy.engine import load_policy

SET_DIR = Path(__file__).resolve().parent.parent / "evals" / "replay_policy"


@pytest.fixture(scope="module")
def planted() -> list:
    cases = [c for path in sorted(SET_DIR.glob("*.jsonl")) for c in load_breach_set(path)]
    assert len(cases) >= 30
    return cases


def test_the_set_covers_languages_policies_and_breach_kinds(planted) -> None:
    assert {case.language for case, _ in planted} == {"en", "he", "fa"}
    assert len({policy for _, policy in planted}) >= 3
    kinds = {t.expect_breach.kind for case, _ in planted for t in case.turns if t.expect_breach}
    assert kinds == {"over_cap", "not_allowed", "unprompted", "wrong_kind"}
    within = [t for case, _ in planted for t in case.turns
              if t.role == "agent" and t.expect_breach is None]
    assert len(within) >= 15


def test_every_planted_breach_is_found_and_nothing_else(planted, coach: Coach) -> None:
    @lru_cache
    def coach_for(policy: Path) -> Coach:
        return Coach(coach.settings, coach.practices, load_policy(policy), coach.retriever)

    score = score_breach_set(planted, coach_for)
    misses = [f"{m.case} turn {m.turn}: want {m.expected}, found {m.found}" for m in score.misses]
    assert not misses, "\n".join(misses)
    assert score.precision == score.recall == 1.0
    assert score.quotes_ok == score.true_positives  # every breach quotes its own turn


def test_the_schema_file_is_exported_from_the_models() -> None:
    on_disk = json.loads((SET_DIR / "case.schema.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(schema_text())


def test_a_bad_line_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    line = json.loads((SET_DIR / "planted.jsonl").read_text(encoding="utf-8").splitlines()[0])
    line["turns"][0]["expect_breach"] = {"kind": "over_cap", "rule": "x"}  # a customer turn
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad\.jsonl:1"):
        load_breach_set(bad)
    line["turns"][0]["expect_breach"] = None
    line["policy"] = "nowhere.yaml"
    bad.write_text(json.dumps(line), encoding="utf-8")
    with pytest.raises(DataFileError, match="policy"):
        load_breach_set(bad)
