"""Reading transcripts in every supported format, and failing clearly on everything else."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import TranscriptError
from assistant.models import MAX_TURN_CHARS, MAX_TURNS, Role, Transcript
from assistant.read.transcripts import (
    MAX_FILE_BYTES,
    iter_transcript_files,
    load_one,
    load_transcripts,
    parse_transcript_bytes,
)
from tests.conftest import ABCD, REPO, needs_abcd

EXAMPLES = REPO / "examples"
C, A = Role.customer, Role.agent


def parse(text: str | bytes, name: str) -> list[Transcript | TranscriptError]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_transcript_bytes(data, name)


def only(text: str | bytes, name: str) -> Transcript:
    (result,) = parse(text, name)
    assert isinstance(result, Transcript), str(result)
    return result


def error(text: str | bytes, name: str) -> str:
    (result,) = parse(text, name)
    assert isinstance(result, TranscriptError), f"expected an error, got {result!r}"
    return one_line(result, name)


def one_line(err: TranscriptError, name: str) -> str:
    message = str(err)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{name}: ")
    return message


def roles(transcript: Transcript) -> list[Role]:
    return [turn.role for turn in transcript.turns]


CONTRACT_EXAMPLE = {
    "id": "case-123",
    "channel": "chat",
    "language": "he",
    "customer": {"name": "Dana", "tier": "gold"},
    "context": {"order_value": 400, "currency": "USD", "product": "family room"},
    "turns": [
        {"role": "customer", "text": "החדר לא היה מוכן"},
        {"role": "agent", "text": "אני בודקת מיד", "ts": "2026-11-20T10:00:00Z"},
    ],
}


# ---------------------------------------------------------------- JSON and JSONL


def test_json_object_per_contract():
    t = only(json.dumps(CONTRACT_EXAMPLE), "case.json")
    assert (t.id, t.language) == ("case-123", "he")
    assert (t.customer.name, t.customer.tier) == ("Dana", "gold")
    assert t.context["order_value"] == 400 and t.context["currency"] == "USD"
    assert roles(t) == [C, A]
    assert t.turns[1].ts is not None and t.turns[1].ts.year == 2026


def test_json_array_loads_each_and_names_the_bad_item():
    good = {"turns": [{"role": "customer", "text": "hi"}]}
    bad = {"turns": [{"role": "customer", "text": "hi"}, {"role": "bot", "text": "x"}]}
    first, second, third = parse(json.dumps([good, bad, good]), "many.json")
    assert isinstance(first, Transcript) and isinstance(third, Transcript)
    assert first.id != third.id  # default ids stay distinct within a file
    assert isinstance(second, TranscriptError)
    message = one_line(second, "many.json")
    assert "item 1" in message and "field turns.1.role" in message
    assert "Input should be 'customer' or 'agent'" in message


def test_jsonl_bad_lines_are_named_and_good_lines_still_load():
    lines = [
        json.dumps({"id": "a", "turns": [{"role": "customer", "text": "one"}]}),
        "{not json",
        "",
        json.dumps({"id": "c", "turns": [{"role": "wizard", "text": "three"}]}),
        json.dumps({"id": "d", "turns": [{"role": "agent", "text": "four"}]}),
    ]
    results = parse("\n".join(lines), "batch.jsonl")
    assert [r.id for r in results if isinstance(r, Transcript)] == ["a", "d"]
    errors = [one_line(r, "batch.jsonl") for r in results if isinstance(r, TranscriptError)]
    assert errors[0].startswith("batch.jsonl: line 2: invalid JSON")
    assert errors[1].startswith("batch.jsonl: line 4, field turns.0.role: ")
    assert "'wizard'" in errors[1]


def test_jsonl_saved_as_json_and_json_saved_as_jsonl_both_load():
    lines = "\n".join(json.dumps({"id": i, "turns": [{"role": "user", "text": "x"}]})
                      for i in ("a", "b"))
    assert [t.id for t in parse(lines, "wrong.json")] == ["a", "b"]
    pretty = json.dumps(CONTRACT_EXAMPLE, indent=2)
    assert only(pretty, "wrong.jsonl").id == "case-123"


def test_broken_json_names_the_line():
    message = error('{\n  "turns": [\n    {"role": "customer" "text": "x"}\n  ]\n}', "b.json")
    assert message.startswith("b.json: line 3: invalid JSON")


@pytest.mark.parametrize("payload, fragment", [
    ("[]", "empty JSON list"),
    ("42", "expected a JSON object"),
    ('{"id": "x"}', "field turns"),
    ('{"turns": []}', "field turns: no turns"),
    ('{"turns": "hello"}', "field turns"),
    ('{"turns": [{"role": "customer", "text": "   "}]}', "field turns.0.text: "),
    ('{"turns": [{"role": "customer"}]}', "field turns.0.text: Field required"),
    ('{"channel": "fax", "turns": [{"role": "agent", "text": "x"}]}', "field channel"),
    ('{"turns": [{"role": "agent", "text": "x", "ts": "yesterday"}]}', "field turns.0.ts"),
    ('{"context": {"order_value": -5}, "turns": [{"role": "agent", "text": "x"}]}',
     "field context.order_value: order_value must be a number"),
    ('{"context": {"order_value": NaN}, "turns": [{"role": "agent", "text": "x"}]}',
     "field context.order_value"),
    ('{"turns": [{"role": "customer", "text": "bad \\ud800 escape"}]}', "field turns.0.text"),
    ('{"context": {"note": "\\udc00"}, "turns": [{"role": "agent", "text": "x"}]}',
     "cannot be stored as JSON"),
    ("[" * 5000, "invalid JSON"),
])
def test_invalid_json_transcripts_get_one_line_errors(payload, fragment):
    assert fragment in error(payload, "t.json")


def test_turn_over_the_length_limit_names_the_turn():
    data = {"turns": [{"role": "customer", "text": "ok"},
                      {"role": "customer", "text": "x" * (MAX_TURN_CHARS + 1)}]}
    message = error(json.dumps(data), "long.json")
    assert "field turns.1.text" in message and str(MAX_TURN_CHARS) in message
    assert "xxxxxxxxxx" not in message  # the long text itself is not echoed


def test_common_variants_and_role_synonyms_are_accepted():
    data = {"id": 17, "customer": "Noa", "context": {"order_value": "1,250"}, "messages": [
        {"speaker": "Client", "content": "a"}, {"role": "SUPPORT", "text": "b"},
        {"role": "user", "text": "c"}, {"role": "Representative", "text": "d"},
        {"role": "לקוחה", "text": "e"}, {"role": "נציג", "text": "f"},
        {"role": "مشتري", "text": "g"}, {"role": "کارشناس", "text": "h"},
    ]}
    t = only(json.dumps(data), "variants.json")
    assert (t.id, t.customer.name, t.context["order_value"]) == ("17", "Noa", 1250.0)
    assert roles(t) == [C, A] * 4


# ---------------------------------------------------------------- plain text


def test_text_english_labels_case_insensitive_with_continuations():
    text = "CUSTOMER: My room was not ready.\nWe waited six hours.\n\nagent：I'm so sorry.\n"
    t = only(text, "hotel.txt")
    assert t.id == "hotel"
    assert roles(t) == [C, A]
    assert t.turns[0].text == "My room was not ready.\nWe waited six hours."
    assert t.turns[1].text == "I'm so sorry."


def test_text_hebrew_labels():
    text = "לקוח: המשלוח לא הגיע כבר שבוע\nנציגה: אני מצטערת מאוד\nלקוחה: אני רוצה את הכסף בחזרה"
    t = only(text, "he.txt")
    assert roles(t) == [C, A, C]
    assert t.turns[2].text == "אני רוצה את הכסף בחזרה"


@pytest.mark.parametrize("agent_label", ["کارشناس", "اپراتور", "پشتیبان", "کارشناس پشتیبانی"])
def test_text_persian_labels(agent_label):
    text = f"مشتری: اینترنت سه روزه قطعه\n{agent_label}: عذر می‌خوام\nمشتري : کی وصل می‌شه؟"
    t = only(text, "fa.txt")
    assert roles(t) == [C, A, C]
    assert t.turns[1].text == "عذر می‌خوام"


def test_text_rtl_marks_markdown_headers_and_timestamps():
    text = (
        "# Late room\n"
        "# id: case-9\n# language: en\n# customer name: Dana\n# tier: gold\n"
        "# order value: 1,200\n# currency: USD\n\n"
        "**Customer:** Where is my room?\n"
        "- [2026-11-20T10:05:00+00:00] Agent (Mike): Checking now.\n"
        "\u200fלקוח: נו?\n"
    )
    t = only(text, "case.md")
    assert (t.id, t.language, t.customer.name, t.customer.tier) == ("case-9", "en", "Dana", "gold")
    assert t.context == {"order_value": 1200.0, "currency": "USD"}
    assert roles(t) == [C, A, C]
    assert t.turns[0].text == "Where is my room?"
    assert t.turns[1].text == "Checking now." and t.turns[1].ts is not None


@pytest.mark.parametrize("text, fragment", [
    ("Hello there, my order is late.", "line 1: expected a turn"),
    ("# A title only\n# id: x\n", "no turns found"),
    ("# id: x\nSome preamble\nCustomer: hi", "line 2: expected a turn"),
    ("Customer: hi\nAgent:", "line 2, field turns.1.text"),
    ("# order_value: lots\nCustomer: hi", "line 1: order_value must be a number"),
    ("Customer: hi\nBot: beep\n", None),  # an unknown label continues the turn: no error
])
def test_text_problems(text, fragment):
    if fragment is None:
        assert only(text, "t.txt").turns[0].text == "hi\nBot: beep"
    else:
        assert fragment in error(text, "t.txt")


def test_text_with_too_many_turns_stops_at_the_line_over_the_limit():
    text = "Customer: hi\nmore\n" + "Agent: ok\n" * MAX_TURNS
    assert error(text, "t.txt") == (
        f"t.txt: line {MAX_TURNS + 2}: more than {MAX_TURNS} turns in one conversation; "
        "split it into several")


def test_text_turn_too_long_names_its_line():
    text = "Customer: hi\nAgent: hello\nCustomer: " + "y" * (MAX_TURN_CHARS + 5)
    assert error(text, "t.txt").startswith("t.txt: line 3, field turns.2.text: ")


# ---------------------------------------------------------------- CSV


def test_csv_groups_rows_by_conversation_in_order():
    text = (
        "conversation_id,role,text,ts\n"
        'c1,customer,"Late, again",2026-01-01T10:00:00Z\n'
        "c2,לקוח,שלום,\n"
        'c1,agent,"Sorry.\nChecking now.",\n'
        ",customer,still c1,\n"
        "c2,کارشناس,سلام,\n"
    )
    c1, c2 = parse(text, "chats.csv")
    assert (c1.id, c2.id) == ("c1", "c2")
    assert [t.text for t in c1.turns] == ["Late, again", "Sorry.\nChecking now.", "still c1"]
    assert roles(c1) == [C, A, C] and roles(c2) == [C, A]
    assert c1.turns[0].ts is not None and c1.turns[1].ts is None


def test_csv_bad_row_names_its_line_and_other_conversations_load():
    text = ("conversation_id,role,text\n"
            "c1,customer,hi\n"
            'c2,customer,"two\nlines"\n'
            "c2,robot,beep\n"
            "c1,agent,hello\n")
    c1, c2 = parse(text, "chats.csv")
    assert isinstance(c1, Transcript) and roles(c1) == [C, A]
    assert isinstance(c2, TranscriptError)
    message = one_line(c2, "chats.csv")
    # the quoted two-line field before it counts as two lines
    assert message.startswith("chats.csv: line 5, conversation c2, field turns.1.role: ")


def test_csv_other_delimiters_and_conversation_columns():
    text = "Conversation_ID;Role;Text;Order_Value;Currency\nx;Customer;hi;80;EUR\nx;Agent;yo;;\n"
    t = only(text, "export.csv")
    assert t.context == {"order_value": 80.0, "currency": "EUR"}
    assert roles(t) == [C, A]


@pytest.mark.parametrize("text, fragment", [
    ("a,b,c\n1,2,3\n", "line 1: CSV needs a header row"),
    ("conversation_id,role,text\n", "no rows after the CSV header"),
    ("conversation_id,role,text\n,customer,hi\n", "line 2: conversation_id is empty"),
    ("conversation_id,role,text\nc1,customer\n",
     "line 2, conversation c1, field turns.0.text: Field required"),
    ("conversation_id,role,text\n" + "c1,customer,hi\n" * (MAX_TURNS + 3),
     f"line {MAX_TURNS + 2}, conversation c1: more than {MAX_TURNS} turns"),
    ('conversation_id,role,text\nc1,customer,"x' + "x" * 200_000 + '"\n', "line 2: invalid CSV"),
])
def test_csv_problems(text, fragment):
    assert fragment in error(text, "t.csv")


# ---------------------------------------------------------------- ABCD


@needs_abcd
def test_abcd_sample_maps_to_transcripts():
    path = ABCD / "abcd_sample.json"
    raw = {str(d["convo_id"]): d for d in json.loads(path.read_text(encoding="utf-8"))}
    results = load_transcripts(path)
    assert all(isinstance(r, Transcript) for r in results), results
    by_id = {t.id: t for t in results}
    assert set(by_id) == {f"abcd-{key}" for key in raw}

    t = by_id["abcd-3592"]
    assert (t.customer.name, t.customer.tier, t.language) == ("Crystal Minh", "bronze", "en")
    assert t.context["order_value"] == 94 and t.context["currency"] == "USD"
    assert t.context["products"] == ["michael_kors jeans"]
    assert (t.context["flow"], t.context["subflow"]) == ("product_defect", "return_size")

    original = raw["3592"]["original"]
    speech = [(s, x) for s, x in original if s != "action"]
    assert [(turn.role.value, turn.text) for turn in t.turns] == speech
    actions = t.context["actions"]
    assert [a["text"] for a in actions] == [x for s, x in original if s == "action"]
    first_action = next(i for i, (s, _) in enumerate(original) if s == "action")
    assert actions[0]["position"] == first_action  # turns before it, all of them speech here

    assert by_id["abcd-9489"].customer.tier == "gold"
    assert "order_value" not in by_id["abcd-3695"].context  # no products in that scenario


def test_abcd_dialogue_on_a_jsonl_line_and_broken_abcd():
    dialogue = {"convo_id": 7, "scenario": {"product": {"amounts": [10, 5.5], "names": ["a", "b"]}},
                "original": [["customer", "hi"], ["action", "looked up"], ["agent", "hello"]]}
    broken = {"convo_id": 8, "original": [["customer", "hi"], ["agent"]]}
    t, err = parse(json.dumps(dialogue) + "\n" + json.dumps(broken), "abcd.jsonl")
    assert t.id == "abcd-7" and t.context["order_value"] == 15.5
    assert t.context["actions"] == [{"position": 1, "text": "looked up"}]
    assert one_line(err, "abcd.jsonl").startswith("abcd.jsonl: line 2, field original.1: ")


# ---------------------------------------------------------------- bytes, encodings, files


def test_utf8_bom_and_utf16_with_bom_are_read():
    text = "לקוח: שלום\nנציג: היי"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"),
                 b"\xfe\xff" + text.encode("utf-16-be")):
        assert roles(only(data, "he.txt")) == [C, A]
    assert only(("\ufeff" + json.dumps(CONTRACT_EXAMPLE)).encode(), "x.json").id == "case-123"


@pytest.mark.parametrize("data, fragment", [
    ("Customer: café".encode("latin-1"), "line 1: not UTF-8 text"),
    ("Customer: hi\nלקוח: שלום".encode("cp1255"), "line 2: not UTF-8 text"),
    ("مشتري: سلام".encode("cp1256"), "not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    ("Customer: hi".encode("utf-16-le"), "binary content"),  # UTF-16 without a BOM
    (b"", "empty file"),
    (b" \n\t\n", "empty file"),
])
def test_unreadable_bytes_get_clear_errors(data, fragment):
    for name in ("t.txt", "t.json", "t.jsonl", "t.csv", "upload"):
        assert fragment in error(data, name)


def test_huge_input_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.jsonl"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk, and is all NUL bytes
    (result,) = load_transcripts(big)
    assert "limit is 10 MB" in one_line(result, str(big))
    assert "limit is 10 MB" in error(b"C" * (MAX_FILE_BYTES + 1), "paste")


def test_missing_file_and_directory(tmp_path):
    (missing,) = load_transcripts(tmp_path / "nope.json")
    assert "file not found" in one_line(missing, str(tmp_path / "nope.json"))
    (folder,) = load_transcripts(tmp_path)
    assert "directory" in str(folder)


def test_unknown_extension_is_sniffed():
    assert only(json.dumps(CONTRACT_EXAMPLE), "paste").id == "case-123"
    assert roles(only("conversation_id\trole\ttext\nz\tcustomer\thi\n", "x.tsv")) == [C]
    assert roles(only("Customer: hi\nAgent: hello", "clipboard")) == [C, A]


def test_load_one(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(CONTRACT_EXAMPLE) + "\n" + json.dumps(CONTRACT_EXAMPLE),
                    encoding="utf-8")
    assert load_one(good).id == "case-123"
    bad = tmp_path / "bad.txt"
    bad.write_text("Customer:", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"bad\.txt: line 1, field turns\.0\.text"):
        load_one(bad)


def test_iter_transcript_files_is_recursive_sorted_and_skips_hidden(tmp_path):
    for rel in ("b.json", "a/z.txt", "a/c.CSV", "notes.pdf", ".hidden.json", ".git/x.jsonl",
                "a/.cache/y.md", "d.md", "e.jsonl"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_transcript_files(tmp_path)]
    assert found == ["a/c.CSV", "a/z.txt", "b.json", "d.md", "e.jsonl"]


# ---------------------------------------------------------------- examples/


def test_every_example_loads_cleanly_and_ends_on_the_customer():
    files = iter_transcript_files(EXAMPLES)
    assert {p.suffix for p in files} >= {".json", ".jsonl", ".txt", ".csv"}
    transcripts = [r for p in files for r in load_transcripts(p)]
    assert all(isinstance(t, Transcript) for t in transcripts), transcripts
    assert len({t.id for t in transcripts}) == len(transcripts)
    assert {t.id.split("-")[0] for t in transcripts} >= {"en", "he", "fa"}
    for t in transcripts:
        assert t.turns[-1].role == C, t.id
        assert t.agent_turns(), t.id  # something for replay to coach


def test_example_files_use_their_language_labels():
    assert roles(load_one(EXAMPLES / "he_billing_error.txt"))[:2] == [C, A]
    assert load_one(EXAMPLES / "he_billing_error.txt").context["order_value"] == 189
    assert roles(load_one(EXAMPLES / "fa_rude_staff.txt"))[:3] == [C, A, C]
    languages = {t.language for t in load_transcripts(EXAMPLES / "batch.jsonl")}
    assert languages == {"en", "he", "fa"}


# ---------------------------------------------------------------- fuzzing

NAMES = st.sampled_from(["t.json", "t.jsonl", "t.txt", "t.md", "t.csv", "upload", "t.bin"])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(["id", "turns", "role", "text", "ts", "context", "customer", "order_value",
                        "original", "scenario", "convo_id", "personal", "product", "amounts",
                        "messages", "speaker", "content", "name", "tier", "channel"])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text(max_size=12) | st.sampled_from(["customer", "agent", "action", "לקוח"]))
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5),
                                                                 inner, max_size=5),
    max_leaves=25,
)


def check(results: list, name: str) -> None:
    assert results, "every input yields at least one entry"
    for result in results:
        assert isinstance(result, Transcript | TranscriptError)
        if isinstance(result, TranscriptError):
            one_line(result, name)
        else:
            assert result.turns


@FUZZ
@given(data=st.binary(max_size=300), name=NAMES)
def test_fuzz_arbitrary_bytes(data, name):
    check(parse_transcript_bytes(data, name), name)


@FUZZ
@given(text=st.text(max_size=300), name=NAMES)
def test_fuzz_arbitrary_text(text, name):
    check(parse_transcript_bytes(text.encode("utf-8", "surrogatepass"), name), name)


@FUZZ
@given(
    lines=st.lists(st.tuples(st.sampled_from(["Customer", "agent", "לקוח", "נציג", "مشتری",
                                              "کارشناس", "# id", "# order_value", "", "x,y"]),
                             st.sampled_from([":", "：", ",", ""]), st.text(max_size=20)),
                   max_size=8),
    name=NAMES,
)
def test_fuzz_labelled_lines(lines, name):
    text = "\n".join(f"{label}{sep} {body}" for label, sep, body in lines)
    check(parse_transcript_bytes(text.encode("utf-8", "surrogatepass"), name), name)


@FUZZ
@given(value=JSONISH, name=st.sampled_from(["t.json", "t.jsonl", "upload"]),
       as_lines=st.booleans())
def test_fuzz_json_structures(value, name, as_lines):
    if as_lines and isinstance(value, list):
        text = "\n".join(json.dumps(item) for item in value)
    else:
        text = json.dumps(value)
    check(parse_transcript_bytes(text.encode(), name), name)


@FUZZ
@given(turns=st.lists(st.fixed_dictionaries(
    {"role": SCALARS, "text": SCALARS},
    optional={"ts": SCALARS, "speaker": SCALARS, "content": SCALARS}), max_size=4),
    extra=st.dictionaries(KEYS, JSONISH, max_size=3))
def test_fuzz_transcript_shaped_objects(turns, extra):
    text = json.dumps({**extra, "turns": turns})
    check(parse_transcript_bytes(text.encode(), "t.json"), "t.json")
