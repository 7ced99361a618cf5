"""Which moves a reply makes, in the order a skilled agent would make them: ask after anyone
hurt, name the harm, apologise, then listen or resolve (ask, explain, offer, assure), and on a
public post move to a private channel."""

from __future__ import annotations

from assistant.compose.context import LOUD_RISKS, Context
from assistant.models import CompensationKind, Emotion, IssueType, Stage, Step


def plan_moves(m: Context) -> list[str]:
    """The moves of this reply, in the order a skilled agent would make them."""
    a, steps, moves = m.a, m.steps, []
    if m.safety and Step.acknowledged not in steps:
        moves.append("safety_check")
    # Every reply names the specific problem: in full while the customer is upset or still owed
    # an apology, else as a short recap before moving on.
    owed = a.company_at_fault is not False and Step.apologized not in steps
    if Step.acknowledged not in steps or m.first_reply or m.upset or owed:
        moves.append("acknowledge")
    else:
        moves.append("recap")
    if m.safety and Step.acknowledged not in steps:
        # Product instructions while it may still be in use; medical help once someone ate,
        # drank or was hurt by it.
        moves.append("precaution" if m.in_use else "medical")
    if a.emotion == Emotion.furious or LOUD_RISKS & set(a.risks) or (
            a.emotion == Emotion.angry and a.intensity >= 0.7):
        moves.append("deescalate")
    if a.company_at_fault is not False and Step.apologized not in steps:
        moves.append("apology")
    moves += ["also"] if a.second_problem and m.first_reply else []
    if m.stage == Stage.listen:
        moves += ["listen", "listen_question"]
    else:
        moves += _resolution_moves(m)
    moves += ["stay"] if m.leaving else []
    return moves + (["private_channel"] if m.transcript.channel == "social" else [])


def _resolution_moves(m: Context) -> list[str]:
    a, steps, moves = m.a, m.steps, []
    explain = a.cause_known and Step.explained not in steps
    if a.company_at_fault is False and Step.next_step not in steps and not explain:
        moves.append("help")
    if not a.cause_known and Step.asked not in steps and not m.safety and not m.known:
        moves.append("question")
    elif (a.acted_issue == IssueType.other and m.known and Step.asked not in steps
          and not m.safety and m.comp.kind == CompensationKind.none):
        moves.append("open_question")
    if explain:
        moves.append("explain")
    if m.offering and m.comp.kind != CompensationKind.none:
        moves.append("remedy")
    if m.offering and m.gesture:
        moves.append("gesture")
    # A personal gesture is restitution too (the taxonomy's "any remedy"): it is assured.
    remedied = "remedy" in moves or "gesture" in moves or Step.offered in steps
    settled = a.cause_known or remedied or m.stage in (Stage.assure, Stage.follow_up)
    if settled and Step.assured not in steps and a.company_at_fault is not False:
        moves.append("assure")
    if m.safety:
        moves.append("safety_next")
    elif "remedy" in moves and not m.comp.requires_approval:
        moves.append("after_remedy")
    elif m.stage in (Stage.assure, Stage.follow_up, Stage.resolve) or "gesture" in moves:
        moves.append("follow_up")
    return _assure_with_next_step(moves)


def _assure_with_next_step(moves: list[str]) -> list[str]:
    """"So it doesn't happen again, and I'll check in tomorrow" reads best as one sentence, and
    keeps room in a short reply for the question and the remedy."""
    follow = next((move for move in ("after_remedy", "follow_up") if move in moves), None)
    if "assure" not in moves or follow is None:
        return moves
    return [move for move in moves if move not in ("assure", follow)] + ["assure+follow_up"]
