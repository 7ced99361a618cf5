"""What the card shows beside the reply: the agent's steps before sending and 2–3 shorter
alternatives (contract §2, `actions` and `alternatives`)."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.compose.composer import ComposedReply, compose_reply
from assistant.compose.phrasing import Phrasing
from assistant.knowledge.practices import Practice
from assistant.models import (
    Action,
    Alternative,
    Assessment,
    Compensation,
    CompensationKind,
    Transcript,
)

_NEEDS_AMOUNT = frozenset({CompensationKind.credit, CompensationKind.discount,
                           CompensationKind.partial_refund})
def agent_actions(compensation: Compensation, reply: str) -> list[Action]:
    """Steps the agent takes before sending: the remedy the reply states, its approval, and
    an amount the policy could not compute (a credit is never promised without one)."""
    kind = compensation.kind
    if kind == CompensationKind.none or not compensation.offer_now:
        return []
    amount = (f" of {compensation.amount:,.2f} {compensation.currency}"
              if compensation.amount is not None else "")
    if compensation.requires_approval:
        return [Action(kind="request_approval",
                       detail=f"Ask a supervisor to approve the {kind.value}{amount} "
                              f"({compensation.policy_id}) before confirming it.")]
    if not amount and kind in _NEEDS_AMOUNT:
        return [Action(kind="set_amount",
                       detail=f"Set the {kind.value} amount by hand: {compensation.rationale}")]
    return [Action(kind=f"issue_{kind.value}",
                   detail=f"Issue the {kind.value}{amount} ({compensation.policy_id}) before "
                          "sending: the reply says it is being done.")]


# The shorter alternatives: which moves each keeps, by style.
_STYLES = {
    "short": ("safety_check", "medical", "acknowledge", "apology", "remedy", "remedy+gesture",
              "private_channel"),
    "direct": ("safety_check", "acknowledge", "remedy", "remedy+gesture", "question",
               "listen_question", "safety_next", "after_remedy", "follow_up", "assure+follow_up",
               "private_channel"),
}


def compose_alternatives(transcript: Transcript, assessment: Assessment,
                         compensation: Compensation, practices: Sequence[Practice],
                         composed: ComposedReply, *, phrasing: Phrasing | None = None
                         ) -> list[Alternative]:
    """2 shorter replies for the same moment: the essentials only, and one that goes straight
    to the next step. Same moves and rules as the main reply, fewer of them."""
    full = compose_reply(transcript, assessment, compensation, practices, phrasing=phrasing,
                         keep=None, seed="alternative")
    out = []
    for style, keep in _STYLES.items():
        reply = compose_reply(transcript, assessment, compensation, practices,
                              phrasing=phrasing, keep=keep, seed=style).text
        if reply and reply not in (composed.text, *(a.reply for a in out)):
            out.append(Alternative(reply=reply, style=style))
    if len(out) < 2 and full.text != composed.text:
        out.append(Alternative(reply=full.text, style="reworded"))
    return out
