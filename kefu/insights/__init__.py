"""Insights: what customer messages tell us beyond their words.

Pure modules (no ORM) that turn text into signals other apps store and show:
``kefu.insights.sentiment`` scores every inbound message (positive / neutral / negative,
plus an anger/abuse flag) for Chinese and English, offline, with lexicons and weights
shipped inside this package. ``kefu.insights.evaluation`` measures it on a labelled,
held-out set: ``python -m kefu.insights.evaluation``.

The Django app around them (label ``insights``) stores a ``Sentiment`` row per customer
message or customer-written ticket (``models``, ``services``), scores them in background
jobs (``tasks``), escalates upset customers, and offers the analyser through the API
(``api``), the ``kefu insights sentiment`` command (``cli``) and the ticket page's panel
(``panel``). See docs/insights.md.
"""
