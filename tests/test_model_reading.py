"""With a model backend the model reads first; the trained reader is the fallback and its
safety and compensation flags are never weakened."""

from __future__ import annotations

import json

from langchain_core.language_models import GenericFakeChatModel

from assistant.coach import Coach
from assistant.llm.reading import READ_FALLBACK_FLAG, READ_FLAG, parse_reading
from assistant.models import IssueType, Risk, Transcript

STORY = Transcript.model_validate({
    "id": "story", "context": {"order_value": 120, "currency": "USD"},
    "turns": [{"role": "customer", "text": (
        "Flew to Rome for my sister's wedding and my suitcase went to Frankfurt instead. "
        "Three days in the same clothes. A 20 euro voucher? Seriously?")}],
})
HURT = Transcript.model_validate({
    "id": "hurt", "turns": [{"role": "customer", "text": (
        "The kettle handle snapped and I burned my hand badly, I had to go to the ER.")}],
})


def reading(**change: object) -> str:
    answer = {"issue_types": [{"type": "lost_item", "confidence": 0.9},
                              {"type": "delay", "confidence": 0.4}],
              "confidence": 0.85, "safety": False, "asked_for_compensation": True,
              "churn": False, "public_post": True, "legal_threat": False,
              "emotion": "angry", "wants": ["compensation"],
              "harm": [{"turn": 0, "text": "Three days in the same clothes"},
                       {"turn": 0, "text": "words nobody wrote"}]}
    return "Here you go: " + json.dumps({**answer, **change})


def coach_with(coach: Coach, *answers: str) -> Coach:
    fake = GenericFakeChatModel(messages=iter(answers))
    settings = coach.settings.model_copy(update={"backend": "openai", "model_reads": True})
    return Coach(settings, coach.resources, coach.retriever, chat_model=fake)


def test_the_model_reads_first_into_the_same_assessment(coach: Coach) -> None:
    moment = coach_with(coach, reading()).prepare(STORY, "openai")
    a = moment.assessment
    assert READ_FLAG in moment.flags
    assert a.issue_type == IssueType.lost_item and a.issue_types[1].type == IssueType.delay
    assert a.asked_for_compensation and Risk.public_post in a.risks
    assert [(h.turn, h.text) for h in a.harm] == [(0, "Three days in the same clothes")]
    text = STORY.turns[0].text
    assert all(text[h.start:h.end] == h.text for h in a.harm)


def test_safety_is_never_weaker_than_the_trained_readers(coach: Coach) -> None:
    trained = coach.prepare(HURT).assessment
    assert trained.safety
    moment = coach_with(coach, reading(safety=False, asked_for_compensation=False,
                                       issue_types=[{"type": "defect", "confidence": 0.9}])
                        ).prepare(HURT, "openai")
    assert moment.assessment.safety and moment.assessment.issue_type == IssueType.safety
    assert Risk.safety in moment.assessment.risks


def test_an_unusable_reading_leaves_the_trained_one(coach: Coach) -> None:
    trained = coach.prepare(STORY).assessment
    for bad in ("not json at all", reading(emotion="ecstatic"), reading(issue_types=[])):
        moment = coach_with(coach, bad).prepare(STORY, "openai")
        assert READ_FALLBACK_FLAG in moment.flags
        assert moment.assessment == trained
    assert parse_reading(reading()) is not None
