"""Everything the coach reads from files, loaded once from the settings and handed down.

`Settings(knowledge_dir=alt)` must mean the practices, policy, lexicon, offer words and phrasing
all come from `alt`: nothing below the entry points looks the settings up for itself, it receives
this bundle. Files read with the lexicon (the offer and harm words) are found beside it, so a
step handed only `resources.lexicon` still reads `alt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.compose.phrasing import PHRASING_FILE, Phrasing, load_phrasing
from assistant.datafiles import knowledge_file
from assistant.knowledge.practices import (
    SOURCES_FILE,
    Practice,
    SourceNames,
    load_practices,
    load_source_names,
)
from assistant.policy.engine import Policy, load_policy
from assistant.read.lexicon import LEXICON_FILE, CompiledLexicon, get_lexicon
from assistant.read.money import OFFERS_FILE
from assistant.read.offers import CompiledOffers, get_offer_lexicon
from assistant.read.reader import Reader, current_reader
from assistant.settings import Settings


@dataclass(frozen=True)
class Resources:
    """The playbook, the policy, the lexicon the text is read with, the words for offers and
    money, the composer's words and where the prompt files are (prompts load when a model
    backend first needs them)."""

    practices: list[Practice]
    policy: Policy
    lexicon: CompiledLexicon
    offers: CompiledOffers
    phrasing: Phrasing
    prompts_dir: Path
    reader: Reader | None = None  # the trained reader; None: its artifact is stale or missing
    sources: SourceNames = field(default_factory=SourceNames)  # seed and case names for people

    @classmethod
    def load(cls, settings: Settings) -> Resources:
        """Read and validate every data file the settings point at; a bad one raises
        DataFileError naming the file and field. A knowledge folder without an offers file
        reads offers with the shipped one."""
        lexicon = get_lexicon(settings.knowledge_dir / LEXICON_FILE)
        return cls(
            practices=load_practices(settings.practices_dir),
            policy=load_policy(settings.policy_path),
            lexicon=lexicon,
            offers=get_offer_lexicon(knowledge_file(settings.knowledge_dir, OFFERS_FILE), lexicon),
            phrasing=load_phrasing(settings.knowledge_dir / PHRASING_FILE),
            prompts_dir=settings.prompts_dir,
            reader=current_reader(settings.knowledge_dir, settings.knowledge_dir / LEXICON_FILE),
            sources=load_source_names(settings.knowledge_dir / SOURCES_FILE),
        )
