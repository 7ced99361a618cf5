"""What the coach understood of a conversation so far: issue, severity, fault, mood, steps, risks.

Deterministic and lexicon-driven (assistant.read.signals): the customer's turns tell the
problem, the mood and the risks; the agent's turns tell which recovery steps are done and what
went wrong.
Any transcript, even an empty or hostile one, gets an Assessment, never an exception.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from assistant.models import (
    Assessment,
    Emotion,
    HarmSpan,
    IssueScore,
    IssueType,
    PhraseHit,
    Risk,
    Role,
    Severity,
    Step,
    Transcript,
    TurnMood,
    acted_issue_type,
)
from assistant.read.facts import facts_in
from assistant.read.harm import harm_spans
from assistant.read.language import transcript_language
from assistant.read.lexicon import CompiledLexicon, get_lexicon
from assistant.read.pii import contains_pii
from assistant.read.reader import (
    Reader,
    Reading,
    harm_rates,
    read_acts,
    read_customer,
    shipped_reader,
)
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
# The trained reader beside the lexicon.
DEFAULT = object()        # assess(reader=...) not given: the reader built for knowledge/reader/
LEXICON_CONFIDENCE = 0.6  # confidence of a lexicon-only reading that named an issue
OTHER_CONFIDENCE = 0.2
LEXICON_SHARE = 0.2       # the lexicon's issue wins with at least this share of the top belief
MAX_ISSUES = 4
MOOD_CONFIDENCE = 0.5     # in a longer conversation the reader's emotion fills a calm turn
# Below MIN_BELIEF, with no lexicon cue either, the issue is `other`; above it the reader's guess
# is the primary (validation split: right more often than `other`), acted on from UNSURE_BELOW.
MIN_BELIEF = 0.05
SAFETY_SURE = 0.7         # the reader alone raises safety from this probability
# A want counts from WANT_SURE: policy rules act on it (validation: a refund want is ~0.9
# precise from here, ~0.75 from its F1 threshold).
WANT_SURE = 0.7
READ_RISKS = {Risk.churn: "flag:churn", Risk.public_post: "flag:public_post",
              Risk.legal_threat: "flag:legal_threat"}
ACT_STEPS = {"apology": Step.apologized, "question": Step.asked, "explanation": Step.explained,
             "restitution": Step.offered, "assurance": Step.assured, "next_step": Step.next_step}

Turns = list[tuple[int, Doc]]


def assess(transcript: Transcript, lexicon: CompiledLexicon | None = None, *,
           reader: Reader | object | None = DEFAULT) -> Assessment:
    """Read the whole conversation; the latest customer turn sets the current emotion.
    `lexicon` and `reader` are the coach's (its settings' knowledge); tools and tests may leave
    the shipped ones. `reader=None` reads with the lexicon alone."""
    reader = shipped_reader() if reader is DEFAULT else reader
    lang = transcript_language(transcript)
    lexicon = lexicon or get_lexicon()
    docs = [(i, turn.role, cached_doc(turn.text, lang, lexicon))
            for i, turn in enumerate(transcript.turns)]
    customer: Turns = [(i, doc) for i, role, doc in docs if role == Role.customer]
    agent: Turns = [(i, doc) for i, role, doc in docs if role == Role.agent]
    steps = agent_steps(reader, [doc for _, doc in agent], lang)  # type: ignore[arg-type]
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
    stated = [(i, doc) for i, doc in customer if not detect_injection(doc.text, lexicon)]
    stated = stated or customer
    reading = (read_customer(reader, [(i, doc.text) for i, doc in stated], lang, lexicon)
               if isinstance(reader, Reader) else None)
    safety = _safety(stated, reading)
    issues = _issues(_issue_type(stated, lexicon), reading, safety)
    safety = safety or issues[0].type == IssueType.safety  # the reader's best reading: an injury
    guess = issues[0].type  # what the reader thinks; `issue` is what the coach acts on
    issue = acted_issue_type(guess, issues[0].confidence, safety)
    moods = _with_read_mood(_moods(customer, lexicon), reading, lexicon, customer[-1][1])
    risks = set().union(*(detect_risks(doc) for _, doc in stated))
    if safety:
        risks.add(Risk.safety)
    stated_moods = [m for m in moods if any(m.turn_index == i for i, _ in stated)] or moods
    severity = _severity(stated, issue, stated_moods, risks, lexicon)
    risks |= _read_risks(reading)  # shown to the agent; only a cue the lexicon knows raises money
    asked = (any(doc.has("compensation_request") or doc.has("wants_refund") for _, doc in customer)
             or _fired(reading, "flag:asked_for_compensation"))
    heard = any(doc.has("wants_to_be_heard") for _, doc in customer)
    return base.model_copy(update={
        "issue_type": guess,
        "issue_types": issues,
        "confidence": issues[0].confidence,
        "severity": severity,
        "company_at_fault": _company_at_fault(customer, agent, issue),
        "emotion": moods[-1].emotion,
        "intensity": moods[-1].intensity,
        "mood_by_turn": moods,
        "risks": [risk for risk in Risk if risk in risks],
        "safety": safety,
        "asked_for_compensation": asked,
        "demanded_amount": _demanded(customer),
        "wants_to_be_heard": heard,
        "problem_summary": _summary(customer, issue, lexicon),
        "injection_suspected": any(detect_injection(doc.text, lexicon) for _, doc in customer),
        "harm": _harm(reader, reading, transcript, customer, issue, lexicon),
        "facts": facts_in([doc for _, doc in customer], _wants(reading, asked, heard, customer)),
    })


def _harm(reader: Reader | object | None, reading: Reading | None, transcript: Transcript,
          customer: Turns, issue: IssueType, lexicon: CompiledLexicon) -> list[HarmSpan]:
    """Where the customer tells what hurts: clauses ranked by the lexicon's cues and the
    reader's harm head (a reply quotes the first span back, and a clause keeps numbers whole),
    then the reader's sentences no clause covers; never words that try to instruct the coach
    or personal details."""
    agent_turns = tuple(t.text for t in transcript.turns if t.role == Role.agent)
    rate = ((lambda texts, lang: harm_rates(reader, texts, lang, lexicon))
            if isinstance(reader, Reader) else None)
    spans = harm_spans(customer, issue, agent_turns, rate)
    spans += [span for span in _harm_spans(reading, transcript)
              if not any(_overlap(span, seen) for seen in spans)]
    return [span for span in spans  # a reply quotes it back: no card number, no e-mail
            if not detect_injection(span.text, lexicon) and not contains_pii(span.text)]


def _overlap(a: HarmSpan, b: HarmSpan) -> bool:
    return a.turn == b.turn and a.start < b.end and b.start < a.end


# --- the trained reader beside the lexicon -------------------------------------------------------

def agent_steps(reader: Reader | None, docs: list[Doc], lang: str) -> list[set[Step]]:
    """The recovery steps of each agent message: the lexicon's, plus what the reader's
    agent-turn heads see in words the lexicon does not list."""
    acts = (read_acts(reader, [doc.text for doc in docs], lang, docs[0].lexicon)
            if isinstance(reader, Reader) and docs else [set() for _ in docs])
    return [steps_in(doc) | {ACT_STEPS[a] for a in found if a in ACT_STEPS}
            for doc, found in zip(docs, acts, strict=True)]


def reply_steps(doc: Doc, reader: Reader | object | None = DEFAULT) -> set[Step]:
    """The recovery steps one agent message performs (the rubric and the one critic)."""
    reader = shipped_reader() if reader is DEFAULT else reader
    return agent_steps(reader, [doc], doc.lang)[0]  # type: ignore[arg-type]


def _fired(reading: Reading | None, head: str) -> bool:
    return reading is not None and head in reading.fired


def _safety(customer: Turns, reading: Reading | None) -> bool:
    """Anyone hurt or at risk: the lexicon's safety cues decide alone (high precision); the
    reader adds injuries told in everyday words when it is fairly sure: a false alarm turns the
    whole reply to wellbeing and the offer to the safety row."""
    lexicon = any(doc.has("issues.safety") or doc.has("risks.safety") for _, doc in customer)
    return lexicon or (_fired(reading, "flag:safety")
                       and reading is not None and reading.proba["flag:safety"] >= SAFETY_SURE)


def _issues(lexicon_issue: IssueType, reading: Reading | None, safety: bool) -> list[IssueScore]:
    """Issue types with confidences, the primary first. Safety comes first whenever anyone was
    hurt; a type the lexicon names wins when the reader gives it a fair share of belief."""
    if reading is None:
        confidence = LEXICON_CONFIDENCE if lexicon_issue != IssueType.other else OTHER_CONFIDENCE
        primary = IssueType.safety if safety else lexicon_issue
        return [IssueScore(type=primary, confidence=confidence)]
    ranked = reading.issues()
    proba = dict(ranked)
    primary = ranked[0][0]
    if ranked[0][1] < MIN_BELIEF and lexicon_issue == IssueType.other:
        primary = IssueType.other.value  # nothing to go on ("۰", "hello")
    sure = proba[primary]
    if safety:
        primary = IssueType.safety.value  # the lexicon's cue, or p >= SAFETY_SURE
        sure = max(proba[primary], LEXICON_CONFIDENCE)
    elif (lexicon_issue != IssueType.other
          and proba[lexicon_issue.value] >= LEXICON_SHARE * ranked[0][1]):
        primary = lexicon_issue.value
        sure = max(proba[primary], LEXICON_CONFIDENCE)  # the lexicon's cue is high-precision
    others = [name for name, _ in ranked
              if name != primary and f"issue:{name}" in reading.fired][:MAX_ISSUES - 1]
    return [IssueScore(type=IssueType(primary), confidence=round(sure, 3)),
            *(IssueScore(type=IssueType(name), confidence=round(proba[name], 3))
              for name in others)]


def _with_read_mood(moods: list[TurnMood], reading: Reading | None,
                    lexicon: CompiledLexicon, latest: Doc) -> list[TurnMood]:
    """The reader's emotion is the customer's: emotion words alone miss most real anger told
    as a story (validation split: emotion right 0.385 with the lexicon first, 0.607 with the
    reader first). The reader reads the turns together, so in a longer conversation it only
    fills a latest turn the lexicon hears as calm, when fairly sure (the customer may have
    calmed down: "ok thanks, that works" names its calm)."""
    if reading is None:
        return moods
    emotion, p = reading.best("emotion:")
    if len(moods) > 1 and (moods[-1].emotion != Emotion.calm or p < MOOD_CONFIDENCE
                           or strongest_emotion(latest) == Emotion.calm):
        return moods
    read = Emotion(emotion)
    if read == moods[-1].emotion:
        return moods
    intensity = (max(moods[-1].intensity, lexicon.intensity[read])
                 if moods[-1].emotion == Emotion.calm else lexicon.intensity[read])
    last = moods[-1].model_copy(update={"emotion": read, "intensity": intensity})
    return [*moods[:-1], last]


def _read_risks(reading: Reading | None) -> set[Risk]:
    return {risk for risk, head in READ_RISKS.items() if _fired(reading, head)}


def _harm_spans(reading: Reading | None, transcript: Transcript) -> list[HarmSpan]:
    if reading is None:
        return []
    return [HarmSpan(turn=turn, text=transcript.turns[turn].text[start:end], start=start,
                     end=end) for turn, start, end in reading.harm if end > start]


def _wants(reading: Reading | None, asked: bool, heard: bool, customer: Turns) -> list[str]:
    """What the customer wants, by the reader's heads (else the lexicon's compensation and
    heard), and what the lexicon hears them say outright: their money back (a refund), or the
    order they are still waiting for (its delivery)."""
    said = {want for want, key in (("refund", "wants_refund"), ("delivery", "still_waiting"))
            if any(doc.has(key) for _, doc in customer)}
    if reading is not None:
        return sorted(said | {name[5:] for name in reading.fired
                              if name.startswith("want:") and reading.proba[name] >= WANT_SURE})
    return sorted(said | {want for want, cue in (("compensation", asked), ("heard", heard)) if cue})


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


@lru_cache(maxsize=4096)  # the same turns climb the same way at every later turn of a replay
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


def _summary(customer: Turns, issue: IssueType, lexicon: CompiledLexicon) -> str:
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
        if text and not detect_injection(text, lexicon):
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
