"""Trainer replay: every agent turn of a past conversation, scored and set beside the coach's
suggestion at that moment; across a folder of conversations, the failures that keep coming back.

Seed 004: learn from angry customers instead of pretending to listen — the batch summary is that
learning loop (who struggles, on which issues, with which practice, in which words).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from assistant.critic.breaches import Allowance
from assistant.critic.rubric import (
    CRITERIA,
    HARM_VERB,
    HARMFUL,
    PASS,
    RubricResult,
    feedback,
    score_reply,
)
from assistant.errors import CoachError, InputError, TranscriptError
from assistant.i18n import N_, _
from assistant.knowledge.minilm import keep_vectors
from assistant.models import PracticeRef, Role, Stage, Suggestion, Transcript
from assistant.read.assessment import assess
from assistant.read.language import detect_language, transcript_language
from assistant.read.pii import Redactor
from assistant.read.transcripts import iter_transcript_files, load_transcripts
from assistant.replay.results import (
    BatchResult,
    BreachCount,
    BreachRow,
    ConversationRow,
    CriterionScore,
    Failure,
    FrequentFailure,
    GroupScore,
    Issue,
    ReplayResult,
    Summary,
    TurnReplay,
)

if TYPE_CHECKING:
    from assistant.coach import Coach


MAX_REPLAY_TURNS_PER_FILE = 2_000  # ~1 min of replay; a bigger file is split by its owner
REPLAY_WINDOW = 40  # turns of context behind each replayed agent turn, besides the opening one


def replay_transcript(transcript: Transcript, coach: Coach, lang: str = "en") -> ReplayResult:
    """Score each agent turn against the conversation before it and ask the coach what it
    would have said there. Raises InputError when there is no agent turn to replay."""
    _embed_ahead(transcript)
    turns = [_replay_turn(transcript, i, coach, lang) for i, t in enumerate(transcript.turns)
             if t.role == Role.agent]
    if not turns:
        raise InputError(f"{transcript.id}: no agent turn to replay")
    whole = assess(transcript)
    # A greeting owes nothing and scores full marks; best and worst are chosen among the turns
    # where the agent had something to do, when there are any.
    owed = [t for t in turns if set(t.scores) - set(HARMFUL)] or turns
    best = max(owed, key=lambda t: t.score)
    worst = min(owed, key=lambda t: t.score)
    return ReplayResult(
        id=transcript.id, overall=round(fmean(t.score for t in turns), 3), turns=turns,
        best_turn=best.index, worst_turn=worst.index if worst.score < best.score else None,
        language=whole.language, channel=transcript.channel,
        agent=_agent_name(transcript), issue_type=whole.issue_type.value,
    )


def _embed_ahead(transcript: Transcript) -> None:
    """The reader and the retriever embed an English thread's customer turns one at a time, as
    each is reached; replay knows them all up front, and in batches they cost ~20% less."""
    if transcript_language(transcript) == "en":
        keep_vectors(t.text for t in transcript.customer_turns())


def recent_context(transcript: Transcript, index: int) -> Transcript:
    """The conversation before turn `index` as the coach reads it in replay: the opening
    customer message and the last REPLAY_WINDOW turns. Each agent turn then costs the same
    however long the thread, so replay is linear in its length, not quadratic."""
    before = transcript.turns[:index]
    if len(before) <= REPLAY_WINDOW:
        return transcript.upto(index)
    recent = before[-REPLAY_WINDOW:]
    opening = next((t for t in before if t.role == Role.customer), None)
    turns = [opening, *recent] if opening is not None and opening not in recent else recent
    return transcript.model_copy(update={"turns": turns})


def _replay_turn(transcript: Transcript, index: int, coach: Coach, lang: str) -> TurnReplay:
    turn, context = transcript.turns[index], recent_context(transcript, index)
    suggestion = _suggest(coach, context)
    allowance = (Allowance.decide(coach.policy, context, suggestion.assessment,
                                  suggestion.compensation) if suggestion else None)
    rubric = score_reply(
        turn.text, context,
        assessment=suggestion.assessment if suggestion else None,
        compensation=suggestion.compensation if suggestion else None,
        reply_ts=turn.ts, allowance=allowance, lexicon=coach.resources.lexicon,
    )
    return TurnReplay(
        index=index, text=turn.text, scores=rubric.scores, issues=_issues(rubric),
        suggestion=suggestion, feedback=feedback(rubric, lang), score=rubric.overall,
        reasons=rubric.reasons, language=detect_language(turn.text), notes=rubric.notes,
    )


def _suggest(coach: Coach, context: Transcript) -> Suggestion | None:
    """What the coach would have said; nothing before the customer has spoken (a greeting)."""
    return coach.suggest(context) if context.customer_turns() else None


def _issues(rubric: RubricResult) -> list[Issue]:
    """One issue per quote of a failed criterion; a policy breach is one issue per offer."""
    issues = []
    for criterion in CRITERIA:
        if rubric.scores.get(criterion, 1.0) >= PASS:
            continue
        if criterion == "restitution" and rubric.breaches:
            issues += [Issue(criterion=criterion, quote=b.quote, policy_breach=b.record())
                       for b in rubric.breaches]
        else:
            issues += [Issue(criterion=criterion, quote=q)
                       for q in rubric.quotes.get(criterion, [])]
    return issues


def _agent_name(transcript: Transcript) -> str | None:
    name = transcript.agent.get("name")
    if name is None:
        return None
    return str(name).strip() or None


# --- batches -------------------------------------------------------------------------------


class _Tally:
    """Accumulates a batch as it runs, so no replay has to stay in memory."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang
        self.rows: list[ConversationRow] = []
        self.turn_scores: list[float] = []
        self.groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.turn_counts: Counter[tuple[str, str]] = Counter()
        self.criteria: dict[str, list[float]] = defaultdict(list)
        self.quotes: dict[str, Counter[str]] = defaultdict(Counter)
        self.reasons: dict[str, Counter[str]] = defaultdict(Counter)
        self.breaches: list[BreachRow] = []
        self.failures: list[Failure] = []

    def add(self, result: ReplayResult, source: str, report: str) -> None:
        self.rows.append(ConversationRow(
            id=result.id, source=source, agent=result.agent, issue_type=result.issue_type,
            language=result.language, turns=len(result.turns), overall=result.overall,
            worst_turn=result.worst_turn, report=report, breaches=result.breaches))
        self.breaches += [
            BreachRow(conversation=result.id, report=report, turn=turn.index, agent=result.agent,
                      rule=issue.policy_breach.rule, kind=issue.policy_breach.kind,
                      quote=issue.quote)
            for turn in result.turns for issue in turn.issues if issue.policy_breach]
        for group, key in (("agent", result.agent), ("issue_type", result.issue_type),
                           ("language", result.language)):
            if key:
                self.groups[group][key].append(result.overall)
                self.turn_counts[group, key] += len(result.turns)
        for turn in result.turns:
            self.turn_scores.append(turn.score)
            self._add_turn(turn)

    def _add_turn(self, turn: TurnReplay) -> None:
        for criterion, score in turn.scores.items():
            self.criteria[criterion].append(score)
            if score < PASS:
                # Grouped by the reason's gist: the words before any quote or figure.
                reason = (_(HARM_VERB[criterion], self.lang) if criterion in HARM_VERB
                          else turn.reason(criterion, self.lang))
                self.reasons[criterion][reason.split(":", 1)[0]] += 1
        for issue in turn.issues:
            self.quotes[issue.criterion][_squash(issue.quote)] += 1

    def summary(self, coach: Coach | None) -> Summary:
        return Summary(
            conversations=len(self.rows), turns=len(self.turn_scores),
            overall=round(fmean(r.overall for r in self.rows), 3) if self.rows else None,
            by_agent=self._group("agent"), by_issue_type=self._group("issue_type"),
            by_language=self._group("language"),
            by_criterion=[
                CriterionScore(criterion=c, turns=len(s), score=round(fmean(s), 3),
                               failures=sum(x < PASS for x in s))
                for c in CRITERIA if (s := self.criteria.get(c))],
            top_failures=self._top_failures(coach), breaches=len(self.breaches),
            breaches_by_agent=_breach_counts(self.breaches, lambda b: b.agent or "(unnamed)"),
            breaches_by_rule=_breach_counts(self.breaches, lambda b: b.rule),
            breach_rows=self.breaches, rows=self.rows, failures=self.failures)

    def _group(self, group: str) -> list[GroupScore]:
        rows = [GroupScore(key=key, conversations=len(scores), turns=self.turn_counts[group, key],
                           score=round(fmean(scores), 3))
                for key, scores in self.groups[group].items()]
        return sorted(rows, key=lambda g: (g.score, g.key))

    def _top_failures(self, coach: Coach | None, limit: int = 8) -> list[FrequentFailure]:
        total = max(len(self.turn_scores), 1)
        counts = {c: sum(self.reasons[c].values()) for c in self.reasons}
        top = sorted((c for c in counts if counts[c]), key=lambda c: (-counts[c], c))[:limit]
        return [FrequentFailure(
            criterion=c, count=counts[c], share=round(counts[c] / total, 3),
            quotes=self.quotes[c].most_common(5), reasons=self.reasons[c].most_common(3),
            practice=_practice_for(coach, c, self.reasons[c].most_common(1)[0][0]))
            for c in top]


def _breach_counts(rows: list[BreachRow], key: Callable[[BreachRow], str]) -> list[BreachCount]:
    """Breaches grouped by `key`, most first."""
    groups: dict[str, list[BreachRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    counts = [BreachCount(key=k, breaches=len(g), conversations=len({r.conversation for r in g}),
                          kinds=dict(Counter(r.kind for r in g))) for k, g in groups.items()]
    return sorted(counts, key=lambda c: (-c.breaches, c.key))


def replay_batch(paths: Iterable[Path], coach: Coach, out_dir: Path, progress: bool = True,
                 mask_pii: bool = False,
                 on_result: Callable[[ReplayResult], None] | None = None,
                 lang: str = "en") -> BatchResult:
    """Replay every transcript under `paths` (files or folders, any supported format), writing
    one HTML + JSON report per conversation and a summary (CSV, HTML, JSON) into `out_dir`.
    A file that cannot be read, or a conversation that cannot be replayed, is recorded in the
    summary's failures and skipped; the rest of the batch completes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tally, names = _Tally(lang), _UniqueNames()
    files = list(_expand(paths, out_dir, tally.failures))
    for path in tqdm(files, desc="replay", unit="file", disable=not progress, leave=False):
        for transcript in read_transcripts(path, tally.failures, mask_pii):
            try:
                result = replay_transcript(transcript, coach, lang)
            except CoachError as exc:
                tally.failures.append(Failure(source=str(path), reason=str(exc)))
                continue
            report = _write_reports(result, transcript, out_dir, names.take(transcript.id), lang)
            tally.add(result, str(path), report)
            if on_result:
                on_result(result)
    summary = tally.summary(coach)
    write_summary(summary, out_dir, lang)
    return BatchResult(out_dir=out_dir, summary=summary)


def _write_reports(result: ReplayResult, transcript: Transcript, out_dir: Path, stem: str,
                   lang: str = "en") -> str:
    """STEM.json and STEM.html; returns the HTML file's name (the summary links to it)."""
    from assistant.replay.report import render_replay

    (out_dir / f"{stem}.json").write_text(
        json.dumps(result.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / f"{stem}.html").write_text(render_replay(result, transcript, lang), encoding="utf-8")
    return f"{stem}.html"


def _expand(paths: Iterable[Path], out_dir: Path, failures: list[Failure]) -> Iterator[Path]:
    """Transcript files under `paths`; the reports folder itself is never read back."""
    skip = out_dir.resolve()
    for path in paths:
        if path.is_dir():
            yield from (f for f in iter_transcript_files(path)
                        if not f.resolve().is_relative_to(skip))
        elif path.is_file():
            yield path
        else:
            failures.append(Failure(source=str(path), reason="no such file or folder"))


def masked(transcript: Transcript) -> Transcript:
    """The conversation with personal details (cards, IBANs, e-mails, phones, addresses,
    national IDs) as placeholders: what replay reports show unless asked otherwise."""
    redactor = Redactor()
    turns = [t.model_copy(update={"text": redactor.redact(t.text)}) for t in transcript.turns]
    return transcript.model_copy(update={"turns": turns})


def read_transcripts(path: Path, failures: list[Failure], mask_pii: bool = False
                     ) -> list[Transcript]:
    """The file's transcripts (masked when `mask_pii`); whatever goes wrong reading it becomes
    a recorded failure."""
    try:
        items = load_transcripts(path)
    except CoachError as exc:
        failures.append(Failure(source=str(path), reason=str(exc)))
        return []
    except (OSError, UnicodeError, ValueError) as exc:
        failures.append(Failure(source=str(path), reason=f"{type(exc).__name__}: {exc}"))
        return []
    good = []
    for item in items:
        if isinstance(item, TranscriptError):
            where = f"{item.where}: " if item.where else ""
            failures.append(Failure(source=str(path), reason=where + item.reason))
        else:
            good.append(masked(item) if mask_pii else item)
    agent_turns = sum(len(t.agent_turns()) for t in good)
    if agent_turns > MAX_REPLAY_TURNS_PER_FILE:
        failures.append(Failure(source=str(path), reason=(
            f"{agent_turns} agent turns to replay in one file; the limit is "
            f"{MAX_REPLAY_TURNS_PER_FILE} (split the file)")))
        return []
    return good


class _UniqueNames:
    """File-system-safe report names, one per conversation even when ids repeat."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, conversation_id: str) -> str:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", conversation_id).strip("._")[:80] or "conversation"
        name, n = base, 1
        while name.casefold() in self.used or name.casefold() == "summary":
            n += 1
            name = f"{base}-{n}"
        self.used.add(name.casefold())
        return name


def _squash(quote: str) -> str:
    return " ".join(quote.split()).casefold()


# Where in the playbook each criterion is taught (the practices' stages).
_STAGES = {
    "acknowledge": {Stage.acknowledge}, "minimize": {Stage.acknowledge},
    "blame": {Stage.acknowledge}, "apologize": {Stage.apologize}, "excuse": {Stage.apologize},
    "ask": {Stage.diagnose}, "explain": {Stage.explain}, "restitution": {Stage.compensate},
    "assure": {Stage.assure}, "next_step": {Stage.follow_up, Stage.resolve},
    "timeliness": {Stage.respond},
}


def _practice_for(coach: Coach | None, criterion: str, reason: str) -> PracticeRef | None:
    """The playbook practice to train for this failure: among the practices of the criterion's
    stage, the one the coach's retrieval ranks first for the failure's reason."""
    if coach is None:
        return None
    stages = _STAGES.get(criterion, set())
    try:
        ranked = [p for p, _ in coach.search(f"{criterion.replace('_', ' ')}: {reason}", k=12)]
    except CoachError:
        ranked = []
    fitting = [p for p in [*ranked, *coach.practices] if p.stage in stages]
    return fitting[0].ref("en") if fitting else None


# --- summary files ---------------------------------------------------------------------------

SUMMARY_COLUMNS = ("section", "key", "conversations", "turns", "score", "failures", "detail")
_COLUMN_LABEL = {"section": N_("section"), "key": N_("key"),
                 "conversations": N_("conversations"), "turns": N_("turns"),
                 "score": N_("score"), "failures": N_("failures"), "detail": N_("detail")}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (`=HYPERLINK(...)` as an agent's name)
    gets a leading apostrophe (OWASP's advice); numbers stay numbers."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def write_summary(summary: Summary, out_dir: Path, lang: str = "en") -> None:
    """summary.csv (one tidy table), conversations.csv, summary.json and summary.html."""
    from assistant.replay.report import render_summary

    with (out_dir / "summary.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([_(_COLUMN_LABEL[c], lang) for c in SUMMARY_COLUMNS])
        writer.writerows(tuple(map(spreadsheet_cell, row)) for row in _summary_rows(summary))
    with (out_dir / "conversations.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ConversationRow.model_fields))
        writer.writeheader()
        writer.writerows({key: spreadsheet_cell(value) for key, value in row.model_dump().items()}
                         for row in summary.rows)
    (out_dir / "summary.json").write_text(summary.model_dump_json(indent=1), encoding="utf-8")
    (out_dir / "summary.html").write_text(render_summary(summary, lang), encoding="utf-8")


def _summary_rows(summary: Summary) -> Iterator[tuple[Any, ...]]:
    yield ("overall", "all", summary.conversations, summary.turns, summary.overall,
           len(summary.failures), "")
    for section, groups in (("agent", summary.by_agent), ("issue_type", summary.by_issue_type),
                            ("language", summary.by_language)):
        for g in groups:
            yield section, g.key, g.conversations, g.turns, g.score, "", ""
    for c in summary.by_criterion:
        yield "criterion", c.criterion, "", c.turns, c.score, c.failures, ""
    for section, counts in (("breaches_by_agent", summary.breaches_by_agent),
                            ("breaches_by_rule", summary.breaches_by_rule)):
        for b in counts:
            kinds = " ".join(f"{kind}={n}" for kind, n in sorted(b.kinds.items()))
            yield section, b.key, b.conversations, "", "", b.breaches, kinds
    for f in summary.top_failures:
        quotes = " | ".join(f"{q} ({n})" for q, n in f.quotes)
        practice = f" → practice {f.practice.id}" if f.practice else ""
        yield "top_failure", f.criterion, "", "", f.share, f.count, quotes + practice
    for fail in summary.failures:
        yield "skipped", fail.source, "", "", "", "", fail.reason
