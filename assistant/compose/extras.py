"""What the card shows beside the reply: the agent's steps before sending and 2–3 shorter
alternatives (contract §2, `actions` and `alternatives`)."""

from __future__ import annotations

from assistant.compose.composer import ComposedReply, compose_reply
from assistant.compose.phrasing import Phrasing
from assistant.i18n import N_, _, label, money
from assistant.models import NEEDS_AMOUNT, Action, Alternative, Compensation, CompensationKind
from assistant.moment import Moment

_ACTION_TEXT = {
    "request_approval": N_("Ask a supervisor to approve the {kind}{amount} ({rule}) before "
                           "confirming it."),
    "set_amount": N_("Set the {kind} amount by hand: {rationale}"),
    "issue": N_("Issue the {kind}{amount} ({rule}) before sending: the reply says it is being "
                "done."),
}


def agent_actions(compensation: Compensation, reply: str) -> list[Action]:
    """Steps the agent takes before sending: the remedy the reply states, its approval, and
    an amount the policy could not compute (a credit is never promised without one)."""
    kind = compensation.kind
    if kind == CompensationKind.none or not compensation.offer_now:
        return []
    if compensation.requires_approval:
        step = "request_approval"
    elif compensation.amount is None and kind in NEEDS_AMOUNT:
        step = "set_amount"
    else:
        step = f"issue_{kind.value}"
    return [Action(kind=step, detail=action_detail(step, compensation))]


def action_detail(step: str, compensation: Compensation, lang: str = "en") -> str:
    """One step before sending, said in `lang` (the JSON keeps the English one)."""
    amount = ("" if compensation.amount is None else _(
        " of {money}", lang, money=money(compensation.amount, compensation.currency, lang)))
    template = _ACTION_TEXT.get(step, _ACTION_TEXT["issue"])
    return _(template, lang, kind=label(compensation.kind, lang), amount=amount,
             rule=compensation.policy_id, rationale=compensation.explain(lang))


# The shorter alternatives: which moves each keeps, by style.
_STYLES = {
    "short": ("safety_check", "medical", "acknowledge", "recap", "apology", "remedy",
              "private_channel"),
    "direct": ("safety_check", "acknowledge", "recap", "remedy", "question", "open_question",
               "listen_question", "safety_next", "after_remedy", "follow_up", "assure+follow_up",
               "stay", "private_channel"),
}


def compose_alternatives(moment: Moment, composed: ComposedReply, phrasing: Phrasing
                         ) -> list[Alternative]:
    """2–3 shorter replies for the same moment, cut from the main reply's sentences: the
    essentials only, and one that goes straight to the remedy and the next step; a reworded
    one (another wording of the same moves) when those add nothing new."""
    parts = [("remedy", composed.plain_remedy) if move == "remedy+gesture" and
             composed.plain_remedy else (move, text) for move, text in composed.parts]
    out: list[Alternative] = []
    for style, keep in _STYLES.items():
        reply = _joined([text for move, text in parts if move in keep],
                        moment.assessment.language)
        if reply and reply not in (composed.text, *(a.reply for a in out)):
            out.append(Alternative(reply=reply, style=style))
    if len(out) < 2:
        other = compose_reply(moment, phrasing, seed="reworded").text
        if other not in (composed.text, *(a.reply for a in out)):
            out.append(Alternative(reply=other, style="reworded"))
    return out


def _joined(sentences: list[str], lang: str) -> str:
    if lang == "en":
        sentences = [s[:1].upper() + s[1:] for s in sentences]
    return " ".join(sentences).replace("….", "…").strip()
