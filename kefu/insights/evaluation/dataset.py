"""The labelled sets: ``data/{split}_{lang}.csv`` with columns id, text, label, anger."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

SPLITS = ("dev", "test", "challenge")
LANGS = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    label: str  # positive / neutral / negative
    anger: bool


def load(split: str, lang: str) -> list[Example]:
    """Examples of one split ("dev" for tuning and training, "test" held out) and language."""
    if split not in SPLITS or lang not in LANGS:
        raise ValueError(f"no set {split}_{lang}")
    source = resources.files(__package__).joinpath("data", f"{split}_{lang}.csv")
    with source.open(encoding="utf-8", newline="") as f:
        return [
            Example(row["id"], row["text"], row["label"], row["anger"] == "1")
            for row in csv.DictReader(f)
        ]
