"""View-model for the side panel: what the Streamlit pages show, computed without Streamlit.

The pages only lay things out; every decision about what a stage, a risk, an offer or a piece of
input means is made here, where it can be tested directly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from panel_words import BACKEND_LABELS, KIND_LABELS, STYLE_LABELS
from pydantic import ValidationError

from assistant.errors import ConfigError, InputError, TranscriptError
from assistant.i18n import N_, _, money, note
from assistant.models import (
    MAX_TURN_CHARS,
    Assessment,
    Compensation,
    CompensationKind,
    Risk,
    Role,
    Suggestion,
    Transcript,
)
from assistant.policy.engine import Policy, load_policy
from assistant.read.language import SCRIPT_LETTERS
from assistant.read.transcripts import parse_transcript_bytes
from assistant.settings import Settings
from assistant.store.database import RejectReason, Store, StoredSuggestion, Verdict
from assistant.wrapup import WrapUp

# --- risks, mood and the offer ----------------------------------------------------------------

@dataclass(frozen=True)
class Badge:
    label: str
    color: str
    icon: str


RISK_BADGES: dict[Risk, Badge] = {
    Risk.public_post: Badge(N_("Public post threat"), "red", ":material/campaign:"),
    Risk.legal_threat: Badge(N_("Legal threat"), "red", ":material/gavel:"),
    Risk.churn: Badge(N_("May leave"), "orange", ":material/logout:"),
    Risk.safety: Badge(N_("Safety risk"), "red", ":material/warning:"),
}


def risk_badges(risks: Iterable[Risk]) -> list[Badge]:
    return [RISK_BADGES[Risk(r)] for r in risks if Risk(r) in RISK_BADGES]


FLAG_NOTES = {  # (llm_fallback is told with its cause: fallback_cause)
    "llm_repaired": N_("The model's first answer broke a rule and was corrected once."),
    "prompt_injection_suspected": N_(
        "The customer's message contains instructions aimed at the assistant; they were ignored."
    ),
}


def flag_notes(flags: Iterable[str]) -> list[str]:
    """Plain sentences for the flags an agent should know about (details stay in the store)."""
    return [FLAG_NOTES[f] for f in flags if f in FLAG_NOTES]


@dataclass(frozen=True)
class OfferView:
    headline: str
    rule: str
    needs_approval: bool
    gesture: str
    rationale: str
    hold_back: bool


def offer_view(compensation: Compensation, lang: str = "en") -> OfferView:
    """The compensation as the card shows it, in the agent's language: what, how much, under
    which rule, and why."""
    headline = _(KIND_LABELS[compensation.kind], lang)
    if compensation.amount is not None:
        headline += " — " + money(compensation.amount, compensation.currency, lang)
    return OfferView(headline=headline, rule=compensation.policy_id,
                     needs_approval=compensation.requires_approval,
                     gesture=compensation.gesture, rationale=compensation.explain(lang),
                     hold_back=not compensation.offer_now
                     and compensation.kind != CompensationKind.none)


def reply_options(suggestion: Suggestion) -> list[tuple[str, str]]:
    """(chip label, reply) for the suggested reply and the engine's shorter alternatives."""
    options = [(N_("Suggested"), suggestion.reply)]
    options += [(STYLE_LABELS.get(a.style, a.style.replace("_", " ").capitalize()), a.reply)
                for a in suggestion.alternatives[:3] if a.reply != suggestion.reply]
    return options


def answered_by(suggestion: Suggestion, lang: str = "en") -> str:
    """Which backend answered and how long it took, e.g. 'rules · 84 ms'."""
    seconds = suggestion.latency_ms / 1000
    took = (_("{n} ms", lang, n=suggestion.latency_ms) if seconds < 1
            else _("{n} s", lang, n=round(seconds, 1)))
    return f"{_(BACKEND_LABELS.get(suggestion.backend, suggestion.backend), lang)} · {took}"


# --- right-to-left text -----------------------------------------------------------------------

_RTL = re.compile(f"[{SCRIPT_LETTERS['he']}{SCRIPT_LETTERS['fa']}]")  # the one table of scripts
_LTR = re.compile(r"[A-Za-z\u00C0-\u024F\u0400-\u04FF]")  # Latin, accented, Cyrillic


def direction(text: str) -> Literal["rtl", "ltr"]:
    """'rtl' when Hebrew or Arabic-script letters outnumber Latin ones (he, fa)."""
    return "rtl" if len(_RTL.findall(text)) > len(_LTR.findall(text)) else "ltr"


def is_rtl_language(lang: str | None) -> bool:
    return (lang or "").split("-")[0].lower() in {"he", "fa", "ar", "iw"}


def text_html(text: str, lang: str | None = None) -> str:
    """Untrusted text as one escaped HTML block with the right direction.

    The single <div> line keeps Markdown from interpreting the text; html.escape keeps it from
    becoming markup, and '$' is escaped so prices never turn into formulas.
    """
    rtl = is_rtl_language(lang) if lang else direction(text) == "rtl"
    body = html.escape(text).replace("$", "&#36;").replace("\r", "")
    body = "<br>".join(body.split("\n"))
    align = "right" if rtl else "left"
    return (f'<div dir="{"rtl" if rtl else "ltr"}" style="text-align:{align};'
            f'white-space:pre-wrap;unicode-bidi:plaintext">{body}</div>')


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:=^])")


def escape_markdown(text: str) -> str:
    """Text for Streamlit's Markdown (alerts, captions) that renders as itself: no links, images,
    formulas or colour directives out of a customer's words or a file name."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


# --- input validation -------------------------------------------------------------------------

def clean_message(text: str | None, what: str = "message") -> str:
    """A message ready to store, or an InputError saying exactly what is wrong."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise InputError(f"The {what} is empty: type or paste some text first.")
    if len(text) > MAX_TURN_CHARS:
        raise InputError(
            f"The {what} is {len(text):,} characters; the panel takes up to {MAX_TURN_CHARS:,}. "
            "Paste only the latest message, or load the whole conversation as a transcript file."
        )
    return text


@dataclass
class Upload:
    transcripts: list[Transcript]
    errors: list[str]


def read_upload(data: bytes, name: str) -> Upload:
    """Transcripts from an uploaded file; a file with none in it is an InputError.

    Encoding, binary content, size and schema are checked by parse_transcript_bytes, whose
    one-line errors name the file and the line or field.
    """
    results = parse_transcript_bytes(data, name)
    upload = Upload([r for r in results if isinstance(r, Transcript)],
                    [str(r) for r in results if isinstance(r, TranscriptError)])
    if not upload.transcripts:
        raise InputError(upload.errors[0] if upload.errors else f"{name}: no conversation found")
    return upload


# --- streaming --------------------------------------------------------------------------------

class SuggestionStream:
    """Splits `coach.stream(...)` into the text `st.write_stream` shows and the final Suggestion."""

    def __init__(self, items: Iterable[str | Suggestion]) -> None:
        self._items = items
        self.suggestion: Suggestion | None = None

    def text(self) -> Iterator[str]:
        for item in self._items:
            if isinstance(item, Suggestion):
                self.suggestion = item
            elif item:
                yield item


# --- the session behind the page --------------------------------------------------------------

def resolve_session(store: Store, requested: str | None) -> tuple[str, str | None]:
    """The session to show: the one asked for (URL), else the latest, else a new one.

    Returns the id and a note for the agent when the requested one could not be found.
    """
    if requested and store.has_session(requested):
        return requested, None
    note = f"Conversation {requested!r} was not found; showing another one." if requested else None
    recent = store.list_sessions(limit=1)
    return (recent[0].id if recent else store.create_session()), note


def fresh_suggestion(transcript: Transcript, latest: StoredSuggestion | None
                     ) -> StoredSuggestion | None:
    """The stored suggestion if it was made for the conversation as it stands now."""
    if latest is not None and latest.turn_count == len(transcript.turns):
        return latest
    return None


def wants_suggestion(transcript: Transcript, latest: StoredSuggestion | None) -> bool:
    """A new customer message arrived since the last suggestion: refresh it automatically."""
    last = transcript.turns[-1] if transcript.turns else None
    return (last is not None and last.role == Role.customer
            and fresh_suggestion(transcript, latest) is None)


def record_verdict(store: Store, session_id: str, stored: StoredSuggestion, verdict: Verdict,
                   edited_text: str, reason: RejectReason | None = None) -> None:
    """Keep the agent's verdict with the text finally sent; a reply they used or edited joins
    the conversation as their message. A rejection keeps their own text only if they wrote one."""
    original = stored.suggestion.reply
    edited = edited_text.strip()
    final = {"used": original, "edited": edited or original,
             "rejected": edited if edited != original else ""}[verdict]
    if verdict != "rejected":
        final = clean_message(final, "reply")
    store.record_feedback(stored.id, verdict, final, reason)
    if verdict != "rejected":
        store.add_turn(session_id, Role.agent, final)


# --- the Settings page ------------------------------------------------------------------------

EDITABLE_SETTINGS = ("ui_language", "backend", "openai_base_url", "openai_model",
                     "openai_api_key", "policy_file", "suggestion_deadline_s")


def settings_overrides(current: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """This session's settings after the form, validated (the policy file is loaded to prove it).

    An empty endpoint or policy field means "use the environment's"; an empty API key field
    keeps the key already set, so it never has to be shown again.
    """
    merged = dict(current)
    for name, value in form.items():
        if name not in EDITABLE_SETTINGS:
            continue
        value = value.strip() if isinstance(value, str) else value
        if name == "openai_api_key" and not value:
            continue
        if value in ("", None):
            merged.pop(name, None)
        else:
            merged[name] = value
    try:
        settings, environment = Settings(**merged), Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"setting {field}: {problem['msg']}") from None
    load_policy(settings.policy_path)
    return {name: value for name, value in merged.items()
            if _differs(settings, environment, name)}


def _differs(settings: Settings, environment: Settings, name: str) -> bool:
    if name == "policy_file":
        return settings.policy_path != environment.policy_path
    return getattr(settings, name) != getattr(environment, name)


def endpoint_of(overrides: dict[str, Any]) -> tuple[str, str]:
    """What a connection test is about: the backend and its endpoint."""
    return str(overrides.get("backend", "")), str(overrides.get("openai_base_url", ""))


def settings_to_test(settings: Settings) -> Settings:
    """An endpoint typed in while the backend is still 'rules' is what the agent wants tested."""
    if settings.backend == "rules" and settings.openai_base_url:
        return settings.model_copy(update={"backend": "openai"})
    return settings


def environment_lines(overrides: dict[str, Any]) -> list[str]:
    """The COACH_* variables that make this session's settings permanent (the key stays hidden)."""
    lines = []
    for name in EDITABLE_SETTINGS:
        if name in overrides:
            value = "<your key>" if name == "openai_api_key" else overrides[name]
            lines.append(f"COACH_{name.upper()}={value}")
    return lines


# --- the case-facts strip ---------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFacts:
    issue_type: str
    severity: str
    order_value: float | None
    currency: str
    tier: str
    fields: dict[str, str] = field(default_factory=dict)  # context fields the policy reads
    guess: str = ""  # the reader's issue type when too unsure to act on (issue_type is `other`)


def currency_choices(base: str, rates: Iterable[str]) -> list[str]:
    return [base, *sorted(c for c in rates if c != base)]


def case_facts(transcript: Transcript, assessment: Assessment, policy: Policy) -> CaseFacts:
    """The facts the offer is decided on, as the policy reads them from the transcript and the
    reader (the currency: the context's, else the customer's, else the base)."""
    context = transcript.context
    currency = policy.read_case(transcript, assessment).currency
    value = context.get("order_value")
    fields = {name: "" if context.get(name) is None else str(context[name])
              for name in policy.context_fields()}
    guess = assessment.unsure_guess
    return CaseFacts(issue_type=assessment.acted_issue.value, severity=assessment.severity.value,
                     order_value=float(value) if value is not None else None,
                     currency=currency, tier=transcript.customer.tier or "", fields=fields,
                     guess=guess.value if guess else "")


def with_facts(transcript: Transcript, facts: CaseFacts, read: CaseFacts) -> Transcript:
    """The transcript with the agent's facts in its context; issue type and severity are kept
    as corrections only where they differ from what the reader found (`read`)."""
    context = {k: v for k, v in transcript.context.items() if k != "corrections"}
    context["currency"] = facts.currency
    if facts.order_value is None:
        context.pop("order_value", None)
    else:
        context["order_value"] = facts.order_value
    for name, text in facts.fields.items():
        if text.strip():
            context[name] = _field_value(text.strip())
        else:
            context.pop(name, None)
    fixes = {name: getattr(facts, name) for name in ("issue_type", "severity")
             if getattr(facts, name) != getattr(read, name)}
    previous = transcript.context.get("corrections") or {}
    fixes = {**{k: v for k, v in previous.items() if k not in fixes
                and getattr(facts, k, None) == v}, **fixes}
    if fixes:
        context["corrections"] = fixes
    customer = transcript.customer.model_copy(update={"tier": facts.tier.strip() or None})
    return transcript.model_copy(update={"context": context, "customer": customer})


def _field_value(text: str) -> float | int | bool | str:
    """What the agent typed into a policy field: a number, yes/no, else the text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


# --- why the model did not answer -------------------------------------------------------------

FALLBACK_CAUSES = (  # (words in the recorded problem, what the agent is told)
    (("circuit open",), N_("the model endpoint is down: it is skipped for a while and the rules "
                           "answer at once")),
    (("refused", "connecterror", "connection error", "name or service", "unreachable"),
     N_("the model endpoint refused the connection")),
    (("timed out", "timeout", "deadline"), N_("the model did not answer in time")),
)


def fallback_cause(flags: Iterable[str], lang: str = "en") -> str | None:
    """Why a suggestion is the rules reply, in the agent's words; None when the model answered."""
    flags = list(flags)
    if "llm_fallback" not in flags:
        return None
    problem = next((f.split(":", 1)[1].strip() for f in flags if f.startswith("llm_problem:")),
                   "")
    lowered = problem.lower()
    for words, cause in FALLBACK_CAUSES:
        if any(w in lowered for w in words):
            return _("Rules reply: {cause}.", lang, cause=note(cause))
    if problem:
        return _("Rules reply: the model's answer failed a check ({problem}).", lang,
                 problem=problem[:160])
    return _("Rules reply: the model's answer failed a check.", lang)


# --- the wrap-up note -------------------------------------------------------------------------

def with_wrap_up(transcript: Transcript, wrap: WrapUp, verdict: str | None) -> Transcript:
    """The transcript with its wrap-up note, in the conversation's language and in English,
    kept in the context (stored with the session), with what the agent did with the last
    suggestion."""
    done = wrap.with_verdict(verdict)
    notes = {"wrap_up": done.local_note or done.note, "wrap_up_en": done.note}
    return transcript.model_copy(update={"context": {**transcript.context, **notes}})


def wrap_up_notes(context: dict[str, Any], ui_lang: str) -> list[str]:
    """The notes to show: the conversation's language; the English one too for an English
    interface (a Hebrew or Persian agent keeps it in the session and the API)."""
    local, english = context.get("wrap_up"), context.get("wrap_up_en")
    notes = [str(local)] if local else []
    if english and english != local and ui_lang == "en":
        notes.append(str(english))
    return notes
