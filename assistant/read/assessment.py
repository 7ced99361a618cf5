"""What the coach understood of a conversation so far: issue, severity, fault, mood, steps, risks.

Deterministic and lexicon-driven (assistant.read.signals): the customer's turns tell the
problem, the mood and the risks; the agent's turns tell which recovery steps are done and what
went wrong.
Any transcript, even an empty or hostile one, gets an Assessment, never an exception.
"""

from __future__ import annotations

from collections import Counter

from assistant.models import (
    Assessment,
    Emotion,
    IssueReading,
    IssueType,
    PhraseHit,
    Risk,
    Role,
    Severity,
    Step,
    Transcript,
    TurnMood,
)
from assistant.read.harm import harm_spans, read_facts
from assistant.read.language import transcript_language
from assistant.read.lexicon import CompiledLexicon, get_lexicon
from assistant.read.signals import (
    Doc,
    amplification,
    cached_doc,
    demanded_amount,
    detect_injection,
    detect_risks,
    harmful_in,
    issue_hits,
    steps_in,
    strongest_emotion,
)

# The anger ladder an unhappy customer climbs; `worried` stands beside it.
LADDER = (Emotion.calm, Emotion.disappointed, Emotion.frustrated, Emotion.angry, Emotion.furious)
LEVELS = (Severity.low, Severity.medium, Severity.high, Severity.critical)
FIRST_TURN_WEIGHT = 1.5   # the opening message usually states the real problem
ISSUE_FLOOR = 0.3         # intensity of a complaint that names no emotion
QUIET_FLOOR = 0.1         # intensity of a message with neither problem nor emotion
CARRY_OVER = 0.85         # a neutral follow-up ("order 4417") keeps most of the earlier mood
RISING = 0.15             # intensity gained across the customer's turns that counts as escalation
SUMMARY_CHARS = 140
# Issues where the length of the wait is itself the harm (severity.long_wait raises them).
WAITING_HURTS = frozenset({IssueType.delay, IssueType.no_show, IssueType.outage,
                           IssueType.broken_promise, IssueType.unreachable_support,
                           IssueType.billing_error, IssueType.other})
SUMMARY_MIN_WORDS = 4

Turns = list[tuple[int, Doc]]


def assess(transcript: Transcript) -> Assessment:
    """Read the whole conversation; the latest customer turn sets the current emotion."""
    lang = transcript_language(transcript)
    lexicon = get_lexicon()
    docs = [(i, turn.role, cached_doc(turn.text, lang, lexicon))
            for i, turn in enumerate(transcript.turns)]
    customer: Turns = [(i, doc) for i, role, doc in docs if role == Role.customer]
    agent: Turns = [(i, doc) for i, role, doc in docs if role == Role.agent]
    steps = [steps_in(doc) for _, doc in agent]
    done = set().union(*steps)
    base = Assessment(
        language=lang,
        steps_done=[step for step in Step if step in done],
        agent_phrases=_agent_phrases(agent),
        cause_known=Step.explained in done or _answered(agent, steps, customer),
    )
    if not customer:
        return base
    # A message that tries to instruct the coach states no facts: it never sets the issue or
    # raises the severity (its sums and "critical" words are the attacker's, not the harm).
    facts = [(i, doc) for i, doc in customer if not detect_injection(doc.text)] or customer
    issue = _issue_type(facts, lexicon)
    moods = _moods(customer, lexicon)
    risks = set().union(*(detect_risks(doc) for _, doc in facts))
    fact_moods = [m for m in moods if any(m.turn_index == i for i, _ in facts)] or moods
    return base.model_copy(update={
        "issue_type": issue,
        "severity": _severity(facts, issue, fact_moods, risks, lexicon),
        "company_at_fault": _company_at_fault(customer, agent, issue),
        "emotion": moods[-1].emotion,
        "intensity": moods[-1].intensity,
        "mood_by_turn": moods,
        "risks": [risk for risk in Risk if risk in risks],
        "asked_for_compensation": any(doc.has("compensation_request") for _, doc in customer),
        "demanded_amount": _demanded(customer),
        "wants_to_be_heard": any(doc.has("wants_to_be_heard") for _, doc in customer),
        "problem_summary": _summary(customer, issue),
        **_reading(transcript, customer, issue, risks),
    })


def _reading(transcript: Transcript, customer: Turns, issue: IssueType, risks: set[Risk]
             ) -> dict:
    """The contract's richer fields, read from the lexicon until the trained reader fills them:
    issue types ranked by cue count, a confidence, harm spans, given facts, safety."""
    counts: Counter[IssueType] = Counter()
    for _, doc in customer:
        counts.update(issue_hits(doc))
    total = sum(counts.values())
    ranked = [issue] + [i for i, _ in counts.most_common() if i != issue]
    readings = [IssueReading(type=i.value, confidence=round(counts[i] / total, 2) if total else 0.3)
                for i in ranked[:3]]
    texts = [transcript.turns[i].text for i, _ in customer]
    return {
        "issue_types": readings,
        "confidence": readings[0].confidence if total else 0.3,
        "harm": harm_spans(customer, issue),
        "facts": read_facts(texts, [doc for _, doc in customer]),
        "safety": issue == IssueType.safety or Risk.safety in risks,
    }


def _answered(agent: Turns, steps: list[set[Step]], customer: Turns) -> bool:
    """Has the customer replied since the agent first asked about the cause? Then the agent
    knows what happened, and owes the explanation (seed 003: ask, then explain)."""
    asked = next((index for (index, _), done in zip(agent, steps, strict=True)
                  if Step.asked in done), None)
    return asked is not None and any(index > asked for index, _ in customer)


def _agent_phrases(agent: Turns) -> list[PhraseHit]:
    return [hit.model_copy(update={"turn_index": index})
            for index, doc in agent for hit in harmful_in(doc)]


def _issue_type(customer: Turns, lexicon: CompiledLexicon) -> IssueType:
    """The type named in the most customer turns (the opening one counts more); ties go to the
    type listed first in the lexicon, the more specific problem: a late parcel that nobody
    answers about is a delay."""
    scores: Counter[IssueType] = Counter()
    for position, (_, doc) in enumerate(customer):
        weight = FIRST_TURN_WEIGHT if position == 0 else 1.0
        for issue in issue_hits(doc):
            scores[issue] += weight
    if not scores:
        return IssueType.other
    order = list(lexicon.lexicon.issues)
    return max(scores, key=lambda issue: (scores[issue], -order.index(issue)))


# --- mood -----------------------------------------------------------------------------------------

def _moods(customer: Turns, lexicon: CompiledLexicon) -> list[TurnMood]:
    """Emotion and intensity of every customer turn. A turn that names no emotion starts from
    the mood before it (a little cooler), or from a complaint's baseline; repeating the same
    complaint heats it up."""
    moods: list[TurnMood] = []
    earlier: Counter[IssueType] = Counter()
    for index, doc in customer:
        issues = issue_hits(doc)
        heat = amplification(doc)
        repeats = max((earlier[issue] for issue in issues), default=0)
        heat += lexicon.lexicon.amplifiers.repeat_turn * min(repeats, 3)
        named = strongest_emotion(doc)
        if named == Emotion.calm and issues:  # "ok, my order is two weeks late" is no calm
            named = None
        if named is not None:
            start, intensity = named, lexicon.intensity[named]
        else:
            start, intensity = Emotion.calm, ISSUE_FLOOR if issues else QUIET_FLOOR
            if moods and moods[-1].intensity * CARRY_OVER > intensity:
                start, intensity = moods[-1].emotion, moods[-1].intensity * CARRY_OVER
        emotion, intensity = _climb(start, named is not None, intensity + heat,
                                    doc.has("amplifiers.profanity"), lexicon)
        moods.append(TurnMood(turn_index=index, emotion=emotion,
                              intensity=round(min(max(intensity, 0.0), 1.0), 3)))
        earlier.update(issues.keys())
    return moods


def _climb(start: Emotion, named: bool, intensity: float, profanity: bool,
           lexicon: CompiledLexicon) -> tuple[Emotion, float]:
    """The anger-ladder step the intensity reaches. An emotion the customer named is never
    undercut; worry stays worry until it turns into anger."""
    levels = lexicon.intensity
    reached = max((step for step in LADDER if intensity >= levels[step]), key=LADDER.index,
                  default=Emotion.calm)
    if start == Emotion.worried and (named or intensity >= levels[Emotion.worried]):
        emotion = reached if LADDER.index(reached) >= LADDER.index(Emotion.angry) else start
    elif named:
        emotion = max(start, reached, key=LADDER.index)
    else:
        emotion = reached
    if profanity and emotion in (Emotion.calm, Emotion.disappointed):
        emotion = Emotion.frustrated
    return emotion, max(intensity, levels[emotion])


# --- severity and fault ---------------------------------------------------------------------------

def _severity(customer: Turns, issue: IssueType, moods: list[TurnMood], risks: set[Risk],
              lexicon: CompiledLexicon) -> Severity:
    """Cues set the level; danger, privacy, risks, large sums and a furious or escalating
    customer raise it to at least high."""
    docs = [doc for _, doc in customer]
    if any(doc.has("severity.critical") for doc in docs):
        level = Severity.critical
    elif any(doc.has("severity.high") or (issue in WAITING_HURTS and doc.has("severity.long_wait"))
             for doc in docs):
        level = Severity.high
    elif any(doc.has("severity.low") for doc in docs) or (
            issue == IssueType.other and moods[-1].emotion in (Emotion.calm, Emotion.worried)
            and moods[-1].intensity < lexicon.intensity[Emotion.disappointed]):
        level = Severity.low
    else:
        level = Severity.medium
    if _escalating(moods, lexicon):  # one level up, but escalation alone never makes it critical
        level = max(level, LEVELS[min(LEVELS.index(level) + 1, 2)], key=LEVELS.index)
    if (issue in (IssueType.safety, IssueType.privacy) or risks or _large_sum(docs, lexicon)
            or moods[-1].emotion == Emotion.furious):
        level = max(level, Severity.high, key=LEVELS.index)
    return level


def _escalating(moods: list[TurnMood], lexicon: CompiledLexicon) -> bool:
    """Several customer turns, each hotter than the first, ending at least frustrated."""
    last = moods[-1].intensity
    return (len(moods) > 1 and last >= moods[0].intensity + RISING
            and last >= lexicon.intensity[Emotion.frustrated])


def _large_sum(docs: list[Doc], lexicon: CompiledLexicon) -> bool:
    """A large sum the customer lost or paid raises severity; a sum they demand never does
    (the demand is shown to the agent, it does not feed the remedy)."""
    limits = lexicon.lexicon.currencies
    for doc in docs:
        demanded = demanded_amount(doc)
        for amount in doc.amounts():
            if demanded is not None and amount.start == demanded.start:
                continue
            if amount.currency in limits and amount.value >= limits[amount.currency].large:
                return True
    return False


def _company_at_fault(customer: Turns, agent: Turns, issue: IssueType) -> bool | None:
    """The agent's admission settles it; otherwise the customer's own admission clears the
    company; a cause nobody knows yet ("no idea what this charge is") blames no one until the
    agent explains it; otherwise a described failure is the company's; otherwise unknown."""
    if any(doc.has("company_fault") for _, doc in agent):
        return True
    if any(_admits_fault(doc) for _, doc in customer):
        return False
    if (any(doc.has("cause_unknown") for _, doc in customer)
            and not any(doc.has("steps.explained") for _, doc in agent)):
        return None
    return True if issue != IssueType.other else None


def _admits_fault(doc: Doc) -> bool:
    """The customer owns the mistake in a statement; "and now it's my fault?" is the opposite."""
    sentences = (doc.sentence_index(start) for start, _ in doc.spans("customer_fault"))
    return any(index < 0 or not doc.is_question(index) for index in sentences)


# --- the customer's own words ---------------------------------------------------------------------

def _demanded(customer: Turns) -> float | None:
    """The sum demanded in the latest customer turn that names one."""
    for _, doc in reversed(customer):
        amount = demanded_amount(doc)
        if amount is not None:
            return amount.value
    return None


def _summary(customer: Turns, issue: IssueType) -> str:
    """The first sentence that names the problem, else the customer's first sentence of some
    substance ("Hi!" is not a problem), in their own words; sentences that try to instruct the
    assistant are never echoed."""
    candidates: list[str] = []
    if issue != IssueType.other:
        candidates += [_sentence(doc, spans[0][0]) for _, doc in customer
                       if (spans := doc.spans(f"issues.{issue.value}"))][:1]
    opening = [doc.folded.original(s, e) for _, doc in customer for s, e in doc.sentences]
    candidates += [s for s in opening if len(s.split()) >= SUMMARY_MIN_WORDS] + opening[:1]
    for sentence in candidates:
        text = " ".join(sentence.split()).strip(" .,;:!،؛")
        if text and not detect_injection(text):
            return _trim(text)
    return ""


def _sentence(doc: Doc, position: int) -> str:
    start, end = doc.sentence_of(position)
    return doc.folded.original(start, end)


def _trim(text: str) -> str:
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:،") + "…"
