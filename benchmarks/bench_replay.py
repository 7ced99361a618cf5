"""Replay throughput on the rules backend.

Goal (issue 4): 200 conversations of ~10 turns replayed in at most 30 s on 2 cores, reports
included. Conversations are generated in English, Hebrew and Persian; the coach loads (and
builds its index) before the clock starts.

    .venv/bin/python benchmarks/bench_replay.py [--conversations 200] [--turns 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 30.0
RESULTS = Path(__file__).resolve().parent / "results" / "replay.json"

CUSTOMER = {
    "en": ["My order arrived two weeks late and the glasses inside were broken.",
           "I was charged twice for my subscription this month!",
           "Your technician never showed up and I took a day off work for it.",
           "The box was fine from the outside, I checked.",
           "This is the third time I am writing to you. Nobody answers.",
           "I want my money back, now."],
    "he": ["ההזמנה שלי הגיעה באיחור של שבועיים והכוסות בפנים היו שבורות.",
           "חייבו אותי פעמיים על המנוי החודש!",
           "הטכנאי שלכם לא הגיע ולקחתי יום חופש בשביל זה.",
           "הקרטון היה תקין מבחוץ, בדקתי.",
           "זו הפעם השלישית שאני כותבת לכם. אף אחד לא עונה.",
           "אני רוצה את הכסף שלי בחזרה, עכשיו."],
    "fa": ["سفارش من دو هفته دیر رسید و لیوان‌های داخلش شکسته بودند.",
           "این ماه دو بار بابت اشتراکم از حسابم پول کم شده!",
           "تکنسین شما نیامد و من برای این یک روز مرخصی گرفتم.",
           "جعبه از بیرون سالم بود، بررسی کردم.",
           "این سومین بار است که به شما پیام می‌دهم. کسی جواب نمی‌دهد.",
           "پولم را همین حالا پس می‌خواهم."],
}
AGENT = {
    "en": ["I'm so sorry your order arrived late and broken. That is our mistake.",
           "Could you tell me whether the outer box was damaged?",
           "It's just a small delay, these things happen.",
           "I will refund the full amount today and email you the confirmation by 5 pm.",
           "The courier skipped the fragile-handling step; we have changed carriers so it "
           "won't happen again.",
           "Please calm down, that's our policy."],
    "he": ["אני מאוד מצטער שההזמנה הגיעה באיחור ושבורה. זו טעות שלנו.",
           "תוכלי לספר לי אם הקרטון החיצוני היה פגוע?",
           "זה רק עיכוב קטן, זה קורה.",
           "אחזיר לך את מלוא הסכום היום ואשלח אישור במייל עד השעה 17:00.",
           "השליח דילג על הטיפול בשבירים; החלפנו חברת משלוחים כדי שזה לא יקרה שוב.",
           "תירגעי בבקשה, זו המדיניות שלנו."],
    "fa": ["بسیار متأسفم که سفارش شما دیر و شکسته رسید. این اشتباه ما بود.",
           "ممکن است بگویید آیا جعبه بیرونی آسیب دیده بود؟",
           "فقط یک تأخیر کوچک است، پیش می‌آید.",
           "امروز کل مبلغ را برمی‌گردانم و تا ساعت ۵ عصر تأییدیه را ایمیل می‌کنم.",
           "پیک مراحل حمل کالای شکستنی را رعایت نکرد؛ شرکت حمل را عوض کردیم تا دیگر تکرار نشود.",
           "لطفاً آرام باشید، این سیاست ماست."],
}


def conversations(count: int, turns: int, seed: int = 4) -> list[dict]:
    """`count` alternating customer/agent conversations of `turns` turns, in three languages."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        lang = ("en", "he", "fa")[n % 3]
        out.append({
            "id": f"bench-{n:04d}", "channel": "chat", "language": lang,
            "agent": {"name": f"agent-{n % 7}"},
            "context": {"order_value": rng.choice([40, 120, 400]), "currency": "USD"},
            "turns": [{"role": "customer" if i % 2 == 0 else "agent",
                       "text": rng.choice(CUSTOMER[lang] if i % 2 == 0 else AGENT[lang]),
                       "ts": f"2026-11-20T10:{i * 3 + rng.randint(0, 2):02d}:00Z"}
                      for i in range(turns)],
        })
    return out


class _Timed:
    """The coach, with the time spent in `suggest` counted: the rest is the replay's own cost
    (rubric, feedback, reports, summary)."""

    def __init__(self, coach) -> None:
        self.coach, self.seconds = coach, 0.0

    def suggest(self, transcript, **kwargs):
        started = time.perf_counter()
        try:
            return self.coach.suggest(transcript, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def __getattr__(self, name):  # search, practices, policy: the coach's own
        return getattr(self.coach, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("COACH_HOME", str(Path(tmp) / "home"))
        from assistant.coach import Coach
        from assistant.replay.runner import replay_batch
        from assistant.settings import get_settings

        started = time.perf_counter()
        coach = Coach.load(get_settings())
        load_s = time.perf_counter() - started
        source = Path(tmp) / "in" / "bench.jsonl"
        source.parent.mkdir()
        convs = conversations(args.conversations, args.turns)
        source.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in convs),
                          encoding="utf-8")
        timed = _Timed(coach)
        started = time.perf_counter()
        batch = replay_batch([source], timed, Path(tmp) / "out", progress=False)
        seconds = time.perf_counter() - started
    figures = {
        "benchmark": "replay_throughput", "backend": "rules",
        "conversations": batch.summary.conversations, "turns_per_conversation": args.turns,
        "agent_turns": batch.summary.turns, "failures": len(batch.failures),
        "seconds": round(seconds, 2),
        "conversations_per_s": round(batch.summary.conversations / seconds, 2),
        "ms_per_agent_turn": round(seconds * 1000 / max(batch.summary.turns, 1), 1),
        "coach_suggest_s": round(timed.seconds, 2),
        "replay_own_s": round(seconds - timed.seconds, 2),
        "coach_load_s": round(load_s, 2), "goal_s": GOAL_S,
        "within_goal": seconds * 200 / max(args.conversations, 1) <= GOAL_S,
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": platform.machine(), "python": platform.python_version(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"replay: {figures['conversations']} conversations x {args.turns} turns "
          f"({figures['agent_turns']} agent turns) in {seconds:.1f} s "
          f"= {figures['conversations_per_s']} conv/s, {figures['ms_per_agent_turn']} ms per "
          f"agent turn (goal: 200 in {GOAL_S:.0f} s); coach.suggest {timed.seconds:.1f} s, "
          f"replay's own work {seconds - timed.seconds:.1f} s -> {args.out}")
    return 0 if figures["within_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
