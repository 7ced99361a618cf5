"""How long a reply may run on each channel, and which of its moves go first when it would run
longer: a chat or a call is read while the customer waits, a public post moves to a private
channel, an e-mail has room for every move."""

from __future__ import annotations

import re

from assistant.read.textnorm import normalize, words

MAX_SENTENCES = {"email": 7}  # elsewhere 6
MAX_WORDS = {"chat": 60, "phone": 60, "email": 150}
MAX_CHARS = {"social": 280, "chat": 480, "phone": 480, "email": 1100}
GREETING_ROOM = 4  # words kept for "Hi Dana," until the greeting is known to fit

# When a reply would run long, the lowest of these go first.
PRIORITY = {
    "safety_check": 100, "medical": 96, "acknowledge": 95, "recap": 95, "precaution": 92,
    "safety_next": 91, "apology": 90, "private_channel": 89, "remedy": 88, "remedy+gesture": 88,
    "listen": 85, "also": 83, "stay": 82, "gesture": 80, "explain": 78, "question": 75,
    "open_question": 74, "deescalate": 72, "listen_question": 70, "help": 65,
    "after_remedy": 84, "follow_up": 84, "assure+follow_up": 84, "assure": 60, "closing": 10,
}

_ASKED = re.compile(r"[?؟]")
_QUESTIONS = frozenset({"question", "listen_question", "open_question"})  # may give a reason
Said = list[tuple[str, str]]  # (move, its sentence) in the planned order


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?؟])\s+", text.strip()) if s]


def over(said: Said, channel: str, room: int = GREETING_ROOM) -> bool:
    """Longer than the channel allows, keeping `room` words for a greeting."""
    texts = [text for _, text in said]
    if sum(len(t) + 1 for t in texts) > MAX_CHARS.get(channel, MAX_CHARS["chat"]):
        return True
    return sum(len(words(t)) for t in texts) > MAX_WORDS.get(channel, 10_000) - room


def too_long(said: Said, channel: str, room: int = GREETING_ROOM) -> bool:
    most = MAX_SENTENCES.get(channel, 6)
    return sum(len(sentences(text)) for _, text in said) > most or over(said, channel, room)


def trim(said: Said, channel: str, plain_remedy: str | None = None,
         room: int = GREETING_ROOM) -> Said:
    """Keep the reply within the channel's budget and MAX_SENTENCES, `room` words left for a
    greeting: the least important moves go first; no sentence is said twice."""
    seen: set[str] = set()
    said = [(m, t) for m, t in said if not (normalize(t) in seen or seen.add(normalize(t)))]
    kept, dropped = list(range(len(said))), []
    while too_long([said[i] for i in kept], channel, room) and len(kept) > 1:
        merged = next((i for i in kept if said[i][0] == "remedy+gesture"), None)
        if merged is not None and plain_remedy:  # the gesture goes before anything else
            said[merged] = ("remedy", plain_remedy)
            continue
        reasoned = next((i for i in kept if said[i][0] in _QUESTIONS
                         and len(sentences(said[i][1])) > 1), None)
        if reasoned is not None:  # then a question's reason, before any whole move
            said[reasoned] = (said[reasoned][0], next(
                s for s in sentences(said[reasoned][1]) if _ASKED.search(s)))
            continue
        weakest = min(kept, key=lambda i: (PRIORITY[said[i][0]], -i))
        kept.remove(weakest)
        dropped.append(weakest)
    # A shorter move dropped after a longer one may fit the room the longer one left: put
    # back, most important first, in its planned place.
    for i in reversed(dropped):
        if not too_long([said[j] for j in sorted([*kept, i])], channel, room):
            kept.append(i)
    return [said[i] for i in sorted(kept)]


def stated_limit(channel: str) -> str:
    """The channel's budget as the model is told it."""
    limits = [f"{MAX_WORDS[channel]} words"] if channel in MAX_WORDS else []
    return "at most " + " and ".join([*limits, f"{MAX_CHARS[channel]} characters"])


def length_problem(reply: str, channel: str) -> str | None:
    """What a model's reply breaks of the channel's budget (its repair prompt says it)."""
    if over([("", reply)], channel, room=0):
        return (f"The reply is {len(words(reply))} words and {len(reply)} characters; "
                f"a {channel} reply may be {stated_limit(channel)}. Say it more briefly.")
    return None
