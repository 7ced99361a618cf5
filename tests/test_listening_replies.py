"""Replies that listen (issue #10): the harm in the customer's words, no re-asking, nothing
invented, a remedy that fits, safety first, channel budgets. Texts are our own writing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.compose.composer import ComposedReply, compose_reply
from assistant.compose.extras import agent_actions, compose_alternatives
from assistant.compose.phrasing import load_phrasing
from assistant.compose.voice import customer_words
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    IssueScore,
    IssueType,
    Transcript,
)
from assistant.moment import Moment, plan_stage
from assistant.policy.engine import Policy, load_policy
from assistant.read.assessment import assess

REPO = Path(__file__).resolve().parent.parent
CLAIMS = re.compile(r"\bI(?:'ve| have)? (?:checked|found|traced|looked into|added|shared)\b", re.I)


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    return load_policy(REPO / "knowledge" / "compensation.yaml")


def conversation(text: str, *, channel: str = "chat", lang: str | None = None,
                 agent: str | None = None, **context: object) -> Transcript:
    turns = [{"role": "customer", "text": text}]
    if agent:
        turns += [{"role": "agent", "text": agent}, {"role": "customer", "text": "ok"}]
    return Transcript.model_validate({"channel": channel, "language": lang, "context": context,
                                      "turns": turns})


def moment_for(transcript: Transcript, assessment: Assessment, compensation: Compensation
               ) -> Moment:
    """The moment as the coach plans it, with no grounding practices (the glue phrases)."""
    return Moment(transcript, assessment, compensation, plan_stage(assessment, compensation), [])


def reply_for(transcript: Transcript, policy: Policy
              ) -> tuple[Assessment, Compensation, ComposedReply]:
    assessment = assess(transcript)
    compensation = policy.decide(transcript, assessment)
    moment = moment_for(transcript, assessment, compensation)
    return assessment, compensation, compose_reply(moment, load_phrasing())


def test_harm_is_named_in_the_customers_words_turned_to_them(default_policy: Policy) -> None:
    text = ("hey so my violin case got crushed on the flight and I needed the violin for a "
            "concert tonight!!")
    _, _, reply = reply_for(conversation(text), default_policy)
    assert "your violin case got crushed" in reply.text
    assert "my violin" not in reply.text



@pytest.mark.parametrize(("said", "turned"), [
    ("the flight you delayed 6 hours then cancelled on me", "the flight we delayed 6 hours then "
     "cancelled on you"),
    ("two times now I've bought food and I’ll never get it", "two times now you've bought food "
     "and you'll never get it"),
    ("I’m told it’s going to cost me $50", "you're told it's going to cost you $50"),
    ("thanks for letting you know my bag is lost", "thanks for letting us know your bag is lost"),
    ("I told you that twice and you ignored me", "you told us that twice and we ignored you"),
    ("In Lisbon for two days without my suitcase", "in Lisbon for two days without your suitcase"),
    ("are you guy ready to answer your phones today", "are we ready to answer our phones today"),
    ("Hey I have had 4 emails about my lost bag", "you have had 4 emails about your lost bag"),
    ("and KEPT MY MONEY after the flight was cancelled", "kept your money after the flight was "
     "cancelled"),
    ("flew BA from LHR and they lost my bag AGAIN", "you flew BA from LHR and they lost your bag "
     "AGAIN"),
    ("It's been 3 weeks and I still have no refund", "it's been 3 weeks and you still have no "
     "refund"),
    ("rebooked me on a flight 2 days later", "we rebooked you on a flight 2 days later"),
    ("Charged me twice for one ticket", "we charged you twice for one ticket"),
    ("left us stranded at JFK overnight", "we left you stranded at JFK overnight"),
    ("waited with us for 2 hours", "waited with you for 2 hours"),
    ("paid for expedited shipping guaranteed today", "you paid for expedited shipping guaranteed "
     "today"),
    ("Been on hold for 39 minutes and counting", "you've been on hold for 39 minutes and "
     "counting"),
    ("I have reached out 3 times and was told it would be fixed", "you have reached out 3 times "
     "and were told it would be fixed"),
    ("Today is the day that @SkyLines lost my business", "today is the day that we lost your "
     "business"),
    ("we landed and @SkyLines has lost my bag twice", "you landed and we have lost your bag twice"),
    ("stranded in Denver @GrandHotel booked & paid in full", "stranded in Denver booked & paid "
     "in full"),
    ("@DIRECTVService has now sent me to 3 different departments", "we have now sent you to 3 "
     "different departments"),
    (".@GoDaddyHelp is giving 403 errors on every page", "we are giving 403 errors on every page"),
    ("@SkyLines still hasn't refunded me the $240", "we still haven't refunded you the $240"),
    ("@united Lost bag process is broken", "lost bag process is broken"),
    ("@SkyLines, is this how you treat people", "is this how we treat people"),
    ("stranded because of @Uber_Support and no phone number", "stranded because of Uber Support "
     "and no phone number"),
    ("the monitor didn't work from @user on AA111", "the monitor didn't work on AA111"),
    ("and stops working after a minute", "it stops working after a minute"),
    ("Says delivered Saturday but nothing here", "it says delivered Saturday but nothing here"),
])
def test_the_customers_words_are_turned_to_them_in_good_english(said: str, turned: str) -> None:
    words = load_phrasing().words("en")
    assert customer_words(said, words, "email", "en") == turned

@pytest.mark.parametrize(("lang", "text", "quoted", "sarcasm"), [
    ("en", "thanks so much for charging me twice for one ticket, really great service",
     "charging you twice for one ticket", "thanks so much"),
    ("he", "תודה רבה על זה שחייבתם אותי פעמיים על אותה הזמנה", "חייבתם", "תודה"),
    ("fa", "مرسی بابت اینکه سفارشم رو سه روز دیر آوردید", "سه روز دیر", "مرسی"),
    ("en", "love it when my parcel sits in your depot for 9 days with no update",
     "your parcel sits in our depot for 9 days", "love it"),
])
def test_sarcastic_thanks_are_not_quoted_back(lang: str, text: str, quoted: str, sarcasm: str,
                                              default_policy: Policy) -> None:
    assessment, _, reply = reply_for(conversation(text, lang=lang), default_policy)
    assert not assessment.harm[0].text.startswith(sarcasm)
    assert quoted in reply.text and sarcasm not in reply.text


@pytest.mark.parametrize(("lang", "text", "greeting"), [
    ("en", "Hi there, my parcel 88123 has been stuck in the depot for 9 days now", "Hi"),
    ("he", "שלום רב, המקרר שהזמנתי לפני שלושה שבועות עדיין לא הגיע ואף אחד לא חוזר", "שלום"),
    ("fa", "سلام وقت بخیر، ۱۰ روز پیش گوشی سفارش دادم هنوز نرسیده و کسی جواب نمیده", "سلام"),
    ("en", "ugh smh, my parcel 88123 has been stuck in the depot for 9 days now", "ugh"),
    ("he", "נו באמת, המקרר שהזמנתי לפני שלושה שבועות עדיין לא הגיע", "נו באמת"),
    ("fa", "ای بابا، ۱۰ روز پیش گوشی سفارش دادم هنوز نرسیده", "ای بابا"),
])
def test_a_greeting_is_not_quoted_as_the_harm(lang: str, text: str, greeting: str,
                                              default_policy: Policy) -> None:
    """The reply quotes what went wrong, not the "hello" the message opened with."""
    assessment, _, reply = reply_for(conversation(text, lang=lang), default_policy)
    assert not assessment.harm[0].text.startswith(greeting)
    assert greeting not in reply.text


@pytest.mark.parametrize(("text", "kept"), [
    ("Just paid Rs. 83 because the driver started the trip 10 minutes away from me", "Rs. 83"),
    ("they gave me a $6 coupon for a pizza that never came and want $2.99 more", "$6 coupon"),
])
def test_a_sum_is_quoted_whole(text: str, kept: str, default_policy: Policy) -> None:
    """An abbreviation's full stop ends no clause, and a quote keeps a sum's currency sign."""
    assessment, _, reply = reply_for(conversation(text, lang="en"), default_policy)
    assert kept in assessment.harm[0].text and kept in reply.text


def test_the_agents_own_words_quoted_back_are_not_the_harm(default_policy: Policy) -> None:
    turns = [{"role": "customer", "text": "We landed at noon and the rental car still isn't "
                                          "ready."},
             {"role": "agent", "text": "It's only a minor delay, the cars are being cleaned."},
             {"role": "customer", "text": "A minor delay. It's 4pm. My mother is 80 and has sat "
                                          "on a bench since noon."}]
    transcript = Transcript.model_validate({"channel": "chat", "turns": turns})
    assessment, _, reply = reply_for(transcript, default_policy)
    assert "minor delay" not in reply.text.lower()
    assert not any("minor delay" in span.text.lower() for span in assessment.harm)


def test_a_customer_who_said_what_happened_is_not_asked_again(default_policy: Policy) -> None:
    text = ("Order 88213 was supposed to arrive Tuesday between 9 and 12, it's Thursday and "
            "nothing. I called twice and waited 40 minutes each time.")
    assessment, _, reply = reply_for(conversation(text), default_policy)
    assert assessment.facts.order_ref and assessment.facts.channel_tried == "phone"
    assert "40 minutes" in assessment.facts.times
    asks = [s for s in re.split(r"(?<=[.?!])\s+", reply.text) if s.endswith("?")]
    assert not any(re.search(r"order|booking|number|when|what happened|which way", s, re.I)
                   for s in asks), reply.text


@pytest.mark.parametrize("text", [
    "You charged me 59.90 twice on my card for one pair of jeans, fix it",
    "the courier left my parcel in the rain and the box is soaked, the lamp inside is broken",
])
def test_nothing_is_claimed_that_no_agent_did(text: str, default_policy: Policy) -> None:
    _, _, reply = reply_for(conversation(text, agent="Sorry about that. What's the order?"),
                            default_policy)
    assert not CLAIMS.search(reply.text), reply.text


def test_a_billing_error_is_reversed_in_full(default_policy: Policy) -> None:
    text = "I was charged twice for the same subscription this month, $59.90 two times"
    _, comp, reply = reply_for(conversation(text), default_policy)
    assert comp.kind == CompensationKind.refund and comp.amount == 59.90
    assert "$59.90" in reply.text
    assert agent_actions(comp, reply.text)[0].kind == "issue_refund"


def test_a_credit_is_never_promised_without_an_amount(default_policy: Policy) -> None:
    text = "Your app kept crashing all weekend and I could not check in for my flight"
    _, comp, reply = reply_for(conversation(text), default_policy)
    if comp.kind == CompensationKind.credit and comp.amount is None:
        assert "credit" not in reply.text.lower()
        assert agent_actions(comp, reply.text)[0].kind == "set_amount"


@pytest.mark.parametrize(("lang", "text", "traced"), [
    ("en", "you lost my luggage on the flight from Boston, 3 days and still no bag, no clothes "
           "for the conference and nobody knows where it is", "your bag traced"),
    ("he", "המזוודה שלי לא הגיעה אחרי הטיסה מבוסטון, כבר שלושה ימים בלי בגדים ואף אחד לא "
           "יודע איפה היא", "המזוודה שלך עוברת לאיתור"),
    ("fa", "چمدونم تو پرواز از بوستون گم شد، سه روزه بدون لباسم و هیچکس نمیدونه کجاست",
     "چمدان شما در اولویت ردیابی"),
])
def test_lost_baggage_is_traced_and_what_they_need_meanwhile_is_paid(
        lang: str, text: str, traced: str, default_policy: Policy) -> None:
    """Issue #10: a lost item is traced and reimbursed; a bag that may yet be found is not
    refunded like an order."""
    assessment, comp, reply = reply_for(conversation(text, lang=lang, currency="USD"),
                                        default_policy)
    assert assessment.facts.purchase == "baggage"
    assert (comp.policy_id, comp.kind, comp.amount) == ("trace-lost-baggage", "credit", 75.0)
    assert traced in reply.text and "75" in reply.text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹",
                                                                               "0123456789"))
    unpriced = comp.model_copy(update={"amount": None})
    moment = moment_for(conversation(text, lang=lang), assessment, unpriced)
    alone = compose_reply(moment, load_phrasing()).text
    assert traced in alone and not re.search(r"\d", alone.split(traced, 1)[1])
    order = assessment.model_copy(update={"facts": assessment.facts.model_copy(
        update={"purchase": None})})  # items missing from an order: the matrix's refund
    assert default_policy.decide(conversation(text, order_value=60), order).kind == "refund"


def test_staff_behaviour_gets_no_product_and_no_money(default_policy: Policy) -> None:
    text = "The woman at your front desk rolled her eyes and was so rude to my elderly mother"
    _, comp, _ = reply_for(conversation(text), default_policy)
    assert comp.kind == CompensationKind.none and "manager" in comp.gesture.lower()


def test_safety_asks_after_the_person_first_and_no_money(default_policy: Policy) -> None:
    text = "We ate the chicken from your deli last night and both kids threw up all night"
    assessment, comp, reply = reply_for(conversation(text), default_policy)
    assert assessment.safety
    first = re.split(r"(?<=[.?!])\s+", reply.text)[0]
    assert first.endswith("?")
    assert "medical help" in reply.text and "stop using it" not in reply.text
    assert comp.kind == CompensationKind.none


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "@ShopLine ordered a 4K monitor for my home office, it arrived with a cracked screen "
           "and a dead pixel line across the middle, and the box was fine so it left you like "
           "that. I want a full refund, not another one"),
    ("he", "הזמנתי מכם מסך 4K למשרד הביתי והוא הגיע עם מסך סדוק ופס של פיקסלים מתים באמצע, "
           "הקרטון היה שלם אז ככה הוא יצא מכם. אני רוצה החזר כספי מלא ולא עוד אחד"),
    ("fa", "یه مانیتور 4K برای دفتر خونه سفارش دادم با صفحه ترک خورده و یه خط پیکسل سوخته وسطش "
           "رسید، جعبه سالم بود پس همینجوری از انبار شما اومده. پولمو پس میخوام نه یکی دیگه"),
])
def test_a_public_reply_keeps_the_offer_within_280_characters(lang: str, text: str,
                                                             default_policy: Policy) -> None:
    """On a public post what we will do matters more than a long quote: the quote is cut
    shorter, and shorter wordings are taken, before the offer is left out."""
    _, comp, reply = reply_for(conversation(text, channel="social", lang=lang, order_value=300),
                               default_policy)
    assert comp.kind == CompensationKind.refund and comp.offer_now
    assert "remedy" in reply.moves and len(reply.text) <= 280
    assert "private_channel" in reply.moves


@pytest.mark.parametrize(("text", "in_use"), [
    ("the car charger I bought from you started sparking and smoking when I plugged it in", True),
    ("the pizza came with a screw baked into it, my son nearly choked on it", False),
    ("the courier threw the box at my door and it hit my toddler", False),
    ("the balcony railing in our hotel room is loose, my kid could fall off it", False),
])
def test_product_instructions_only_while_a_product_may_be_in_use(
        text: str, in_use: bool, default_policy: Policy) -> None:
    """"Stop using it" fits a sparking charger, not a meal, a courier or a hotel room: there the
    reply asks after the person and points to medical help (issue #10, item 5)."""
    assessment, _, reply = reply_for(conversation(text), default_policy)
    assert assessment.safety
    assert ("stop using it" in reply.text) is in_use
    assert ("medical help" in reply.text) is not in_use


@pytest.mark.parametrize("lang,text", [
    ("en", "@shop my order #55120 never came, 3 weeks now and nobody answers the phone!!"),
    ("he", "ההזמנה שלי לא הגיעה כבר שלושה שבועות ואף אחד לא עונה בטלפון"),
    ("fa", "سفارشم سه هفته است نرسیده و هیچ کس تلفن را جواب نمی‌دهد"),
])
def test_a_public_reply_fits_280_characters_and_moves_to_private(
        lang: str, text: str, default_policy: Policy) -> None:
    _, _, reply = reply_for(conversation(text, channel="social", lang=lang), default_policy)
    assert len(reply.text) <= 280, reply.text
    assert "private_channel" in reply.moves


def test_no_sentence_is_said_twice_and_alternatives_are_shorter(default_policy: Policy) -> None:
    transcript = conversation("My new kettle leaks from the bottom every time I boil water",
                              order_value=60, currency="USD")
    assessment = assess(transcript)
    comp = default_policy.decide(transcript, assessment)
    moment = moment_for(transcript, assessment, comp)
    main = compose_reply(moment, load_phrasing())
    sentences = re.split(r"(?<=[.?!])\s+", main.text)
    assert len(sentences) == len(set(sentences))
    alternatives = compose_alternatives(moment, main, load_phrasing())
    assert 2 <= len(alternatives) <= 3
    assert all(a.reply != main.text for a in alternatives)
    assert min(len(a.reply) for a in alternatives) < len(main.text)


def test_claim_markers_cover_every_language() -> None:
    phrasing = load_phrasing()
    for lang in ("en", "he", "fa"):
        assert phrasing.words(lang).claim_markers
        assert phrasing.words(lang).acknowledge_harm.default


@pytest.mark.parametrize(("text", "hurt"), [
    ("Please sort this out!! Stuck in Lisbon for two days now without my suitcase",
     "Stuck in Lisbon for two days now without my suitcase"),
    ("Plz refer the pic. The quality of the sandals isn't good, one of them has lost its shine",
     "The quality of the sandals isn't good"),
    ("It used to last 8 hours before it needed charging, now it dies in two hours",
     "now it dies in two hours"),
    ("My phone's charge used to hold for two days of heavy use, now it drains by lunchtime",
     "now it drains by lunchtime"),
    ("לקוח ותיק שלא היה לו אף פעם חיוב כפול או תקלה. החודש ראיתי דמי מנוי מוזרים",
     "החודש ראיתי דמי מנוי מוזרים"),
    ("مشتری ثابت شما هستم و تا حالا هیچ سفارشی دیر یا ناقص نرسیده بود. این بار کفش ها پاره بودن",
     "این بار کفش ها پاره بودن"),
])
def test_a_request_or_the_backstory_is_not_quoted_as_the_harm(text: str, hurt: str) -> None:
    """A request ("Please sort this out!!", "plz refer the pic") is not what hurts, even when
    joined to the harm by "!!" or "?!"; nor is the backstory ("it used to...", "a loyal
    customer who never had..."), which names the same troubles: the reply quotes what went
    wrong this time."""
    harm = assess(conversation(text)).harm
    assert harm and harm[0].text == hurt


@pytest.mark.parametrize(("lang", "said", "quoted"), [
    ("en", "I'm so upset that my bag was left in Denver and nobody at the desk could tell me "
     "when it would arrive or who to call about it",
     "your bag was left in Denver and nobody at the desk could tell you when it would arrive"),
    ("en", "paid extra for my seat & the monitor didn't work the entire nine hour flight to "
     "Tokyo and the crew said nothing could be done about it",
     "you paid extra for your seat & the monitor didn't work the entire nine hour flight to Tokyo"),
    ("he", "הזמנתי מקרר לפני שבועיים ועד היום הוא לא הגיע אבל החיוב בכרטיס כבר ירד פעמיים ואף "
     "אחד לא עונה בטלפון של השירות",
     "הזמנתי מקרר לפני שבועיים ועד היום הוא לא הגיע אבל החיוב בכרטיס כבר ירד פעמיים"),
    ("fa", "سفارشم رو دو هفته پیش ثبت کردم و هنوز نرسیده ولی پولش از حسابم کم شده و هیچکس هم "
     "جواب تلفن رو نمیده", "سفارشم رو دو هفته پیش ثبت کردم و هنوز نرسیده ولی پولش از حسابم کم شده"),
])
def test_a_long_harm_is_quoted_to_the_end_of_a_clause(lang: str, said: str, quoted: str) -> None:
    """Whole clauses, a few words past the channel's room if need be: no "…" mid-thought."""
    assert customer_words(said, load_phrasing().words(lang), "chat", lang) == quoted


@pytest.mark.parametrize(("said", "quoted"), [
    (".@GoDaddyHelp is giving 403 errors when you try to cancel your domains",
     "we are giving 403 errors when you try to cancel your domains"),
    ("the app crashes every time you try to pay, and you charged my card anyway",
     "the app crashes every time you try to pay, and we charged your card anyway"),
])
def test_you_meaning_anyone_is_not_turned_to_we(said: str, quoted: str) -> None:
    assert customer_words(said, load_phrasing().words("en"), "chat", "en") == quoted


def test_a_quote_is_not_cut_inside_a_number() -> None:
    said = ("we waited in the lobby with two tired kids for two and a half hours while the desk "
            "ignored us")
    assert customer_words(said, load_phrasing().words("en"), "social", "en") == (
        "you waited in the lobby with two tired kids for two and a half hours")


def test_a_harm_with_no_clause_end_is_cut_with_an_ellipsis() -> None:
    said = ("the courier threw the parcel over the fence into the garden in the rain without "
            "ringing the bell or taking any photo of the delivery spot")
    quoted = customer_words(said, load_phrasing().words("en"), "social", "en")
    assert quoted == "the courier threw the parcel over the fence into the garden…"  # not "in…"


def test_a_review_without_punctuation_is_read_in_windows_that_keep_to_its_sentences() -> None:
    """Reviews stripped of punctuation keep a double space where a sentence ended; a window of
    words that crossed it would quote the end of one sentence and the start of the next."""
    from assistant.read.harm import _text_clauses

    sentences = ["הזמנתי מחשב נייד דרך האתר לפני שבועיים ושילמתי על משלוח מהיר עד הבית",
                 "השליח לא הגיע ביום שנקבע ואף אחד לא עדכן אותי מה קורה עם ההזמנה",
                 "בשירות הלקוחות אמרו שיחזרו אליי תוך יום ועד היום אף אחד לא חזר",
                 "שירות איטי ומאוד לא יעיל"]
    review = "  ".join(sentences)
    windows = [span.text for span in _text_clauses(review)]
    assert len(review.split()) > 40 and len(windows) > len(sentences)
    assert all(any(w in s for s in sentences) for w in windows)
    assert "שירות איטי ומאוד לא יעיל" in windows


@pytest.mark.parametrize(("text", "harm"), [
    ("I ordered the stroller on the 3rd and paid for express delivery, the wheel snapped off "
     "the first time we used it", "the wheel snapped off the first time we used it"),
    ("Placed an order on Friday at 3pm for the birthday cake, picked it up today. the cake was "
     "completely squashed and the writing smeared",
     "the cake was completely squashed and the writing smeared"),
])
def test_the_reader_tells_what_hurts_from_the_backstory(text: str, harm: str) -> None:
    """The lexicon alone quotes the order's story; the reader's harm head ranks the clause
    where it went wrong first."""
    transcript = conversation(text)
    assert assess(transcript).harm[0].text == harm
    assert assess(transcript, reader=None).harm[0].text != harm


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Third late delivery this month. I'm done with you, cancelling my Prime membership."),
    ("he", "המשלוח איחר בפעם השלישית החודש. אני עוזבת אתכם ועוברת לחברה אחרת."),
    ("fa", "سومین بار این ماه که سفارشم دیر رسید. دیگه ازتون خرید نمیکنم."),
])
def test_a_customer_who_is_leaving_hears_why_to_stay_once(lang: str, text: str,
                                                          default_policy: Policy) -> None:
    stay = load_phrasing().words(lang).stay
    _, _, reply = reply_for(conversation(text, lang=lang), default_policy)
    assert "stay" in reply.moves and any(v in reply.text for v in stay), reply.text
    said = next(v for v in stay if v in reply.text)
    later = Transcript.model_validate({"language": lang, "turns": [
        {"role": "customer", "text": text}, {"role": "agent", "text": said},
        {"role": "customer", "text": text}]})
    _, _, again = reply_for(later, default_policy)
    assert "stay" not in again.moves


def test_an_order_they_cancelled_is_not_a_customer_leaving(default_policy: Policy) -> None:
    text = "You cancelled my order without telling me and I only found out at the door."
    assessment, _, reply = reply_for(conversation(text), default_policy)
    assert "churn" not in assessment.risks and "stay" not in reply.moves


@pytest.mark.parametrize(("lang", "text", "noun_of"), [
    ("en", "My internet has been down for three days, and when I called, your rep hung up on me "
     "and laughed.", "rude_staff"),
    ("he", "האינטרנט לא עובד כבר שלושה ימים, וכשהתקשרתי הנציג צעק עליי וניתק.", "rude_staff"),
])
def test_several_problems_are_each_acknowledged(lang: str, text: str, noun_of: str,
                                                default_policy: Policy) -> None:
    """The outage is quoted, and the rude representative is acknowledged too (issue #10)."""
    assessment, _, reply = reply_for(conversation(text, lang=lang), default_policy)
    noun = load_phrasing().words(lang).issues[noun_of].noun
    assert assessment.second_problem == noun_of and "also" in reply.moves
    assert noun in reply.text, reply.text


def test_an_unsure_second_reading_is_not_acknowledged(default_policy: Policy) -> None:
    text = "The sofa arrived with a long tear in the fabric."
    assessment, _, reply = reply_for(conversation(text), default_policy)
    assert assessment.second_problem is None and "also" not in reply.moves


def test_quotes_inside_a_hebrew_quote_become_single_quotes() -> None:
    said = 'המלון מחליט שהוא לוקח "עמלת המרה" על 300 ש"ח בלי לשאול'
    assert customer_words(said, load_phrasing().words("he"), "social", "he") == (
        "המלון מחליט שהוא לוקח 'עמלת המרה' על 300 ש\"ח בלי לשאול")


def test_the_remedy_answers_what_went_wrong_not_how_the_complaint_was_handled(
        default_policy: Policy) -> None:
    """Nobody answering is the primary reading, but the unrecognised charge the customer told
    of is what the remedy must answer (issue #10: a billing error reverses the wrong amount)."""
    read = Assessment(issue_type=IssueType.unreachable_support, confidence=0.7, issue_types=[
        IssueScore(type=IssueType.unreachable_support, confidence=0.7),
        IssueScore(type=IssueType.billing_error, confidence=0.6)])
    assert read.remedy_issue == IssueType.billing_error
    chosen = default_policy.choose(conversation("charged twice and nobody answers"), read)
    assert chosen.policy_id == "billing_error.medium", chosen.policy_id
    unsure = read.model_copy(update={"issue_types": [read.issue_types[0], IssueScore(
        type=IssueType.billing_error, confidence=0.3)]})
    assert unsure.remedy_issue == IssueType.unreachable_support


@pytest.mark.parametrize(("text", "quoted"), [
    ("@united do you not try to get customers to their destinations after cancelling??",
     '"do you not try to get customers to their destinations after cancelling?"'),
    ("better find a way to get me to Puerto Rico tomorrow morning without charging me again",
     '"better find a way to get'),
])
def test_a_question_or_a_demand_is_quoted_as_written(text: str, quoted: str,
                                                     default_policy: Policy) -> None:
    """Turned to the customer after "I understand —", a question or a demand reads wrong
    ("I understand — do we not try to get customers…"): it is quoted in their words."""
    _, _, reply = reply_for(conversation(text, channel="social"), default_policy)
    assert quoted in reply.text, reply.text
    assert "I understand — do we" not in reply.text and "get you to Puerto" not in reply.text


def test_a_statement_is_still_turned_to_the_customer(default_policy: Policy) -> None:
    text = "Can't get anyone on the phone and my parcel is two weeks late"
    _, _, reply = reply_for(conversation(text), default_policy)
    assert "You wrote" not in reply.text and "your parcel is two weeks late" in reply.text
