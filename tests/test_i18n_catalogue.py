"""Every agent- and trainer-facing sentence is in the catalogue, for every interface language.

The msgids are read from the code itself (`_("…")`, `N_("…")` in Python, `tr("…")` in report
templates), so a new English sentence without its Hebrew and Persian fails here.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from assistant.i18n import LOCALE_DIR, UI_LANGUAGES, _, catalogue, label, quoted

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_NAMES = (r"Complaint Coach|Streamlit|OpenAI|ChromaDB|Chroma|SQLite|"
                 r"JSONL|JSON|CSV|HTML|LLM|URL|"
                 r"API|ABCD|GGUF|CRM|Shift|Enter|\.env")
_TEMPLATE_CALL = re.compile(r'\btr\("((?:[^"\\]|\\.)*)"')


def _python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_") and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


# ast.parse on CPython 3.11.7 can fail with "AST constructor recursion depth mismatch" when
# another thread of the same process parses at the same moment (seen once in CI, with the
# suite's server threads alive): the tests that parse the code run in a child process.
PARSES_THE_CODE = pytest.mark.isolated


def used_msgids() -> set[str]:
    found: set[str] = set()
    for folder in ("assistant", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= _python_msgids(path)
        for path in (ROOT / folder).rglob("*.j2"):
            found |= set(_TEMPLATE_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@PARSES_THE_CODE
def test_the_code_marks_its_sentences():
    assert len(used_msgids()) > 150


@PARSES_THE_CODE
@pytest.mark.parametrize("lang", [lang for lang in UI_LANGUAGES if lang != "en"])
def test_every_sentence_is_translated(lang):
    translations = catalogue(lang)
    missing = sorted(m for m in used_msgids() if m not in translations)
    assert not missing, f"{LOCALE_DIR / (lang + '.po')}: no translation for {missing}"


@pytest.mark.parametrize("lang", [lang for lang in UI_LANGUAGES if lang != "en"])
def test_translations_keep_their_placeholders(lang):
    wrong = [m for m, text in catalogue(lang).items() if _fields(m) != _fields(text)]
    assert not wrong, f"{lang}.po: placeholders differ in {wrong}"


@pytest.mark.parametrize("lang", [lang for lang in UI_LANGUAGES if lang != "en"])
def test_translations_are_not_english(lang):
    """A translation copied from the msgid would pass the other checks: catch it."""
    latin = re.compile(r"[A-Za-z]{3,}")
    copied = [m for m, text in catalogue(lang).items()
              if latin.search(re.sub(PRODUCT_NAMES + r"|\{[^}]*\}", "", text))]
    assert not copied, f"{lang}.po: English left in {copied}"


def test_quotes_keep_the_conversation_language_isolated():
    assert quoted("refund now", "fa") == "«\u2068refund now\u2069»"
    assert quoted("זה לא נורא", "en") == "“\u2068זה לא נורא\u2069”"
    assert quoted("not a big deal", "en") == "“not a big deal”"


def test_labels_and_placeholders_are_filled_per_language():
    assert label("next_step", "en") == "next step"
    assert label("next_step", "he") != "next step"
    assert _("{n} agent turns", "fa", n=12) == catalogue("fa")["{n} agent turns"].format(n="۱۲")
