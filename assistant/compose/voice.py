"""The customer's own words, turned to address them: the harm a reply names (issue #10).

English flips the speaker ("my bag" → "your bag", "you lost" → "we lost", "letting you know" →
"letting us know"); Hebrew and Persian quote briefly instead, so no gender or number agreement
can go wrong. Handles, links and braces are dropped; the words are cut to the channel's room.
"""

from __future__ import annotations

import re

from assistant.compose.fields import in_script
from assistant.compose.phrasing import LanguagePhrasing
from assistant.read.harm import SUBJECT_HANDLE, SUBJECT_VERBS, clause_starts

HARM_WORDS = {"social": 12, "chat": 16, "phone": 16, "email": 24}
_LINK = re.compile(r"https?://\S+|www\.\S+")
_TAG = re.compile(r"[@#][\w.]+")
# Tags that open a tweet address it; a handle followed by what it did is its subject and stays
# for `_company_as_we` ("@DIRECTVService has now sent me to 3 departments").
_LEADING_TAGS = re.compile(r"(?:[.]?[@#][\w.]++(?:\s*[,:][\s,:]*+|\s++(?!"
                           + SUBJECT_VERBS + r"\b)|\Z))*")
# A handle after a preposition is a name the sentence needs ("stranded because of @Uber_Support
# and ..." → "because of Uber Support and"); "@user", a name anonymised by a public dataset,
# goes with its preposition ("didn't work from @user on AA111" → "didn't work on AA111").
_NAMED = re.compile(r"(?i)(\b(?:because of|thanks to|at|from|with|by)\s+)@((?!user\b)[a-z]\w*)")
_ANONYMISED = re.compile(r"(?i)\b(?:because of|thanks to|at|from|with|by|to|for)\s+@user\b")
_YOU_ALL = re.compile(r"\byou (?:guys?|all|people|lot)\b|\by'?all\b", re.IGNORECASE)
# A capitalised first word followed by a lower-case one is a sentence start, not a name
# ("Five of the plates" → "five of the plates"; "Baton Rouge" stays).
_COMMON_START = re.compile(r"[A-Z][a-z]*(?:'[a-z]+)? [a-z]")
# ...and so is one of these before a name ("In Singapore for three days" → "in Singapore ...").
_FUNCTION_WORDS = frozenset({"in", "on", "at", "the", "a", "an", "for", "from", "after", "before",
                             "since", "when", "this", "that", "it", "there", "no", "not", "still",
                             "now", "today", "yesterday", "again", "so", "and", "but", "with"})
_GREETING = re.compile(r"^(?:hey|hi|hello|yo|dear)\b[\s,!.]*(?=\w)", re.IGNORECASE)
# "I'm so upset that my bag ..." quotes the bag: the reply already says they are upset.
_FEELING = re.compile(
    r"^(?:i'?m |i am |am |so |really |very |v |beyond |absolutely |just )*"
    r"(?:upset|angry|mad|furious|livid|disappointed|frustrated|annoyed|pissed(?: off)?|sad|"
    r"disgusted|appalled|fuming)\b[\s,!.]*(?:that |about |with |because |at |by )?(?=\w)",
    re.IGNORECASE)
# Two or more words in capitals are shouting, not names: the reply says them in its own voice
# ("KEPT YOUR MONEY" → "kept your money"); one word alone may be a name (IKEA, LAX) and stays.
_SHOUTED = re.compile(r"\b[A-Z][A-Z']+(?:[ ,]+[A-Z][A-Z']*)+\b")
_HE_QUOTE = re.compile(r'(?<![^\W\d_])"|"(?![^\W\d_])')
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# "you" meaning anyone, to the end of its clause: "403 errors when you try to cancel your
# domains" stays "when you try to cancel your domains" (not "when we try to cancel our").
_ANYONE = re.compile(r"(?i)\b(?:when|whenever|if|once|every time)\s+you\s+(?:try|attempt|click|"
                     r"log\s+in|sign\s+in|search)\b[^,.;:!?]*")
_ACTED = r"(?:[a-z]{2,}ed|kept|lost|left|sent|took|gave|told|sold|broke|put|got|made|let|threw|cut)"
# A clause that opens on a past tense done to the customer ("rebooked me", "charged me twice",
# "left us stranded") has the company as its subject: the reply says who did it ("we ...").
_DONE_TO_ME = re.compile(rf"(?i)(?:{_ACTED}|hung up on)\s+"
                         r"(?:(?:just|then|also|again|literally|basically|completely)\s+)?(?:me|us)\b")
# A tweet's clause that opens on the customer's own doing, its "I" left out ("paid for
# expedited shipping", "been on hold for 39 minutes"): the reply says who ("you paid ...").
_MY_DOING = re.compile(r"(?i)^(?:(been)|(?:paid|ordered|bought|booked|purchased|spent|called|"
                       r"emailed|tried|placed|reserved|subscribed|flew|returned)(?!\s+(?:me|us)\b))\s")
_AND_WAS = re.compile(r"\b(and|but|then|so)\s+was\b")
# A clause that opens on what a thing does, its "it" left out ("and stops working when …",
# "says delivered Saturday"): the reply says "it stops working when …".
_ITS_DOING = re.compile(r"(?i)(?:says|stops|keeps|shows|crashes|freezes|doesn'?t|isn'?t|hasn'?t)")
# A company's @handle that opens a clause of a tweet is who acted: "that @AmericanAir lost my
# business" → "that we lost your business" (elsewhere it is dropped, as every tag is).
_AGREE = {"has": "have", "hasn't": "haven't", "is": "are", "isn't": "aren't", "was": "were",
          "wasn't": "weren't", "does": "do", "doesn't": "don't", "keeps": "keep"}
_HANDLE_DID = re.compile(
    r"(?i)(^[.]?|\b(?:that|and|but|because|when|then|so|now|since|after)\s+)@[\w.]+\s+"
    rf"((?:(?:just|still|never|now|again|literally)\s+)?)({_ACTED}|{'|'.join(_AGREE)})\b")


# An English clause that asks or demands ("do you not try to get customers home", "better find
# a way to get me there"): turned to the customer it reads wrong after "I understand —", so the
# reply quotes it as written.
_ASKS = re.compile(r"(?i)^(?:@[\w.]+\s+)*(?:why|how|what|where|when|who|which|better|please|plz|"
                   r"pls|kindly|(?:do|does|did|is|are|was|were|can|could|would|will|should)\s+"
                   r"(?:you|u|ya|y'all|they|we|i|it|this|that|anyone|someone|somebody|your|ur)\b)")


def asks_or_demands(text: str, after: str = "") -> bool:
    """Whether a span is a question or a demand: it opens like one, or a "?" follows it. Not
    when the company's handle is its subject ("@GoDaddyHelp is giving 403 errors?"): turned to
    the customer that reads "we are giving 403 errors"."""
    text = text.strip()
    if SUBJECT_HANDLE.match(text.removeprefix(".")):
        return False
    return bool(_ASKS.match(text)) or is_question(text, after)


def is_question(text: str, after: str = "") -> bool:
    """Whether a span ends in a "?", its own or the one right after it."""
    return text.rstrip().endswith("?") or after.lstrip().startswith("?")


def customer_words(text: str, words: LanguagePhrasing, channel: str, lang: str,
                   limit: int | None = None, *, as_written: bool = False) -> str | None:
    """The harm span, cleaned, turned to the customer (unless quoted `as_written`) and cut to
    the channel's room (or to about `limit` words)."""
    text = " ".join(_LINK.sub("", text).split())
    text = text[_LEADING_TAGS.match(text).end():].strip(" .,;:!?؟،\"'“”«»-—")
    text = _YOU_ALL.sub("you", text.replace("’", "'"))
    if lang == "he":  # the reply quotes it in "...": quotes inside become '...' (ש"ח stays)
        text = _HE_QUOTE.sub("'", text)
    if lang == "en" and words.flip and not as_written:
        text = _GREETING.sub("", text)  # "Hey, I have had ..." quotes what they had
        text = _FEELING.sub("", text)
        first = text.split(" ", 1)[0]
        done_to_them = _DONE_TO_ME.match(text) is not None
        anyone = [m.span() for m in _ANYONE.finditer(text)]
        text = _company_as_we(_EN_WORD.sub(
            lambda w: w.group(0) if any(a <= w.start() < b for a, b in anyone)
            else _flip_in(w, words.flip), text))
        if (done_to_them or first.casefold() in words.flip or first.casefold() in _FUNCTION_WORDS
                or _COMMON_START.match(text)):
            text = text[:1].lower() + text[1:]
        if done_to_them:  # "rebooked me on a later flight" → "we rebooked you on ..."
            text = "we " + text
        elif doing := _MY_DOING.match(text):
            text = ("you've " if doing.group(1) else "you ") + text[:1].lower() + text[1:]
        if text.startswith("you "):  # "you have reached out ... and was told" → "and were told"
            text = _AND_WAS.sub(r"\1 were", text)
    text = _ANONYMISED.sub("", _NAMED.sub(_plain_name, text))
    text = " ".join(_TAG.sub("", text).split())
    tokens = _opening_stripped(_SHOUTED.sub(lambda m: m.group(0).lower(), text).split(), lang)
    if lang == "en" and words.flip and not as_written:
        tokens = _with_it(tokens)
    text = _cut(tokens, limit or HARM_WORDS.get(channel, 16), lang)
    if len(tokens) < 3 or not in_script(text, lang):
        return None
    return text.replace("{", "(").replace("}", ")")


def _plain_name(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2).replace("_", " ")


def _company_as_we(text: str) -> str:
    """The company's handle inside a quote, said as "we" where it did something."""
    return _HANDLE_DID.sub(lambda m: f"{m.group(1).strip('.')}we {m.group(2)}"
                           f"{_AGREE.get(m.group(3).casefold(), m.group(3))}", text)


_CLAUSE_ENDS = (",", ";", ":", ".", "!", "?", "،", "؛", "؟", ")")
_NUMBER = re.compile(r"\d[\d.,:]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve")
_DANGLING = frozenset({"a", "an", "the", "to", "of", "for", "with", "my", "your", "our", "at",
                       "in", "on", "is", "was", "were", "are", "and", "but", "or", "so", "that",
                       "את", "של", "על", "עם", "به", "از", "در", "با", "را", "برای"})
SPILL = 5  # words a quote may run past the channel's room to end where its clause ends


def _with_it(tokens: list[str]) -> list[str]:
    """A clause that opens on what a thing does gets its "it" back ("it stops working")."""
    if tokens and _ITS_DOING.fullmatch(tokens[0]):
        return ["it", tokens[0].lower(), *tokens[1:]]
    return tokens


def _opening_stripped(tokens: list[str], lang: str) -> list[str]:
    """Without a clause's opening "and" / "but" / "so" ("and KEPT your MONEY" quotes what was
    kept): the reply's own words lead into the quote."""
    opening = clause_starts(lang)
    while len(tokens) > 3 and tokens[0].casefold() in opening:
        tokens = tokens[1:]
    return tokens


def _cut(tokens: list[str], limit: int, lang: str) -> str:
    """About `limit` words, ending where a clause ends: up to SPILL words later, else back to
    two thirds of the room; only a text with no clause end near there gets "…"."""
    if len(tokens) <= limit + SPILL:
        return " ".join(_trimmed(tokens, lang))
    ends = [end for end in range(limit + SPILL, -(-2 * limit // 3) - 1, -1)
            if _clause_ends(tokens, end, lang)]
    end = min(ends, key=lambda e: (e < limit, abs(e - limit)), default=None)
    if end is not None:
        return " ".join(_trimmed(tokens[:end], lang)).rstrip(" ,;:،؛.!?")
    return " ".join(_trimmed(tokens[:limit], lang)).rstrip(" ,;:،") + "…"


def _trimmed(tokens: list[str], lang: str) -> list[str]:
    """Without the words a cut span may trail ("... to reverse the funds when")."""
    loose = _DANGLING | clause_starts(lang)
    while len(tokens) > 3 and tokens[-1].casefold() in loose:
        tokens = tokens[:-1]
    return tokens


def _clause_ends(tokens: list[str], end: int, lang: str) -> bool:
    """Does a clause end after tokens[end - 1] (punctuation, or the next word opens one)?"""
    last = tokens[end - 1]
    if last.casefold().strip(",.;:!?") in _DANGLING or _NUMBER.fullmatch(last.casefold()):
        return False  # nor inside a number ("two and a half hours")
    return last.endswith(_CLAUSE_ENDS) or tokens[end].casefold() in clause_starts(lang)


# After these (or at the start) "you" is the subject ("you lost my bag" → "we lost your bag");
# after any other word it is the object ("letting you know" → "letting us know").
_SUBJECT_BEFORE = frozenset({"", "and", "but", "because", "cause", "so", "that", "when", "if",
                             "why", "how", "since", "until", "or", "then", "now", "what", "as",
                             # a question puts the subject after its verb: "do you not try"
                             "do", "did", "does", "are", "were", "can", "could", "will",
                             "would", "have", "has", "should", "don't", "didn't", "won't"})
# ...and before these it is the subject wherever it stands ("this flight you delayed" → "this
# flight we delayed"); a past tense in -ed counts too.
_SUBJECT_VERBS = frozenset({"have", "had", "are", "were", "do", "did", "don't", "didn't", "can",
                            "can't", "cannot", "could", "couldn't", "will", "won't", "would",
                            "wouldn't", "should", "never", "still", "just", "always", "keep",
                            "kept", "lost", "sent", "took", "gave", "told", "said", "made",
                            "left", "let", "broke", "sold", "put", "got", "owe", "need",
                            "want", "promised", "charged", "refused"})


def _flip_in(match: re.Match[str], table: dict[str, str]) -> str:
    word = match.group(0)
    before = match.string[:match.start()].split()
    previous = before[-1].casefold().strip(",.;:!?") if before else ""
    after = match.string[match.end():].split(maxsplit=1)
    following = after[0].casefold().strip(",.;:!?") if after else ""
    subject = following in _SUBJECT_VERBS or (following.endswith("ed") and len(following) > 3)
    if word.casefold() == "you" and previous not in _SUBJECT_BEFORE and not subject:
        return "us"
    if word.casefold() == "was" and previous in ("i", "we"):
        return "were"
    return _flip(word, table)


def _flip(word: str, table: dict[str, str]) -> str:
    """One English word turned from the customer's side to ours (my → your, you → we)."""
    turned = table.get(word.casefold())
    if turned is None:
        return word
    if word[:1] == "I" and (len(word) == 1 or word[1:2] in "'mv"):
        return turned  # "I" is capital anywhere: "I'll" mid-sentence is "you'll", not "You'll"
    if word.isupper() and len(word) > 1:
        return turned.upper()  # shouted: "KEPT MY MONEY" → "KEPT YOUR MONEY"
    return turned.capitalize() if word[:1].isupper() and len(word) > 1 else turned


