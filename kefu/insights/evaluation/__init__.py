"""Evaluation of the sentiment approaches on labelled sets written for kefu.

``python -m kefu.insights.evaluation`` prints, per language and approach, 3-class accuracy,
per-class F1, positive-vs-negative accuracy and anger-flag precision/recall on the held-out
test set, then the throughput of each approach. ``--split dev`` runs on the dev set
instead (the set used for tuning and training; its figures are optimistic). The sets and
how they were made are described in docs/insights.md.
"""
