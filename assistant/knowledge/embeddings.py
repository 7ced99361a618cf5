"""The packaged MiniLM as Chroma's embedding function (Chroma's own default downloads its model,
so this one is registered instead)."""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from assistant.knowledge.minilm import embed


@register_embedding_function
class MiniLMInt8EmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by the packaged int8 MiniLM."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return [row.astype(np.float32) for row in embed(list(input))]

    @staticmethod
    def name() -> str:
        return "complaint-coach-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMInt8EmbeddingFunction:
        return MiniLMInt8EmbeddingFunction()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"
