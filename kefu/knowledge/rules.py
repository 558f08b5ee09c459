"""Pure rules of the knowledge base (no ORM): the article workflow, who may do what, the
article text format, helpfulness, ranking and the deflection outcome."""

from __future__ import annotations

import difflib
import html
import math
import re
from collections.abc import Callable
from enum import StrEnum


class Audience(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Status(StrEnum):
    """The article as a whole."""

    DRAFT = "draft"  # never published
    REVIEW = "review"  # never published, waiting for an editor
    PUBLISHED = "published"  # has a live text (an edit of it may be in draft or review)
    ARCHIVED = "archived"  # taken down; its versions are kept


class VersionState(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # was published; a newer version replaced it


OPEN_STATES = (VersionState.DRAFT, VersionState.REVIEW)
LANGUAGES = ("zh-hans", "en")
EDITOR_ROLES = {"admin", "supervisor"}
WRITER_ROLES = {"admin", "supervisor", "agent"}
STAFF_ROLES = {"admin", "supervisor", "agent", "auditor"}


# --- who may do what -------------------------------------------------------------------------

def is_editor(role: str) -> bool:
    """Editors publish, return, archive and edit anyone's text; admins and supervisors."""
    return role in EDITOR_ROLES


def may_propose(role: str) -> bool:
    """Write a draft (a new article or an edit of a published one) and send it to review."""
    return role in WRITER_ROLES


def may_edit_version(*, role: str, user_id: int, author_id: int | None, state: str) -> bool:
    """A text being worked on may be changed by editors, and by its author while it is a
    draft (an agent's text in review waits for the editor)."""
    if state not in OPEN_STATES:
        return False
    if is_editor(role):
        return True
    return role in WRITER_ROLES and state == VersionState.DRAFT and author_id == user_id


def may_read(*, role: str | None, audience: str, status: str) -> bool:
    """Staff read every article (drafts too); everyone else public published ones."""
    if role in STAFF_ROLES:
        return True
    return audience == Audience.PUBLIC and status == Status.PUBLISHED


# --- the workflow ------------------------------------------------------------------------------

#: (version state, action) -> the version's new state
VERSION_TRANSITIONS = {
    (VersionState.DRAFT, "submit"): VersionState.REVIEW,
    (VersionState.REVIEW, "return"): VersionState.DRAFT,
    (VersionState.DRAFT, "publish"): VersionState.PUBLISHED,
    (VersionState.REVIEW, "publish"): VersionState.PUBLISHED,
}


def version_next_state(state: str, action: str) -> str | None:
    """The version's state after ``action``, or None when the action is not allowed."""
    found = VERSION_TRANSITIONS.get((VersionState(state), action))
    return found.value if found else None


def article_status_after(*, article_status: str, version_state: str, has_live: bool) -> str:
    """The article's status once its open version is in ``version_state``."""
    if article_status == Status.ARCHIVED and version_state != VersionState.PUBLISHED:
        return Status.ARCHIVED.value
    if version_state == VersionState.PUBLISHED or has_live:
        return Status.PUBLISHED.value
    if version_state == VersionState.REVIEW:
        return Status.REVIEW.value
    return Status.DRAFT.value


# --- the article text format -------------------------------------------------------------------
# A small, safe subset of Markdown: paragraphs, "## " headings, "- " and "1. " lists, "> "
# notes, **bold**, `code`, [links](https://…) and ![images](file:ID). Everything else is
# text: it is escaped, never interpreted as HTML.

INLINE = re.compile(
    r"!\[(?P<alt>[^\]\n]{0,200})\]\((?P<src>[^)\s]{1,500})\)"
    r"|\[(?P<text>[^\]\n]{1,300})\]\((?P<href>[^)\s]{1,500})\)"
    r"|\*\*(?P<bold>[^*\n]{1,500})\*\*"
    r"|`(?P<code>[^`\n]{1,500})`")
SAFE_URL = re.compile(r"^(https?://[^\s\"'<>]+|mailto:[^\s\"'<>]+|/(?!/)[^\s\"'<>]*)$", re.I)
FILE_REF = re.compile(r"^file:(\d{1,18})$")


def _url(raw: str, resolve_file: Callable[[int], str | None] | None) -> str | None:
    found = FILE_REF.match(raw)
    if found:
        return resolve_file(int(found.group(1))) if resolve_file else None
    return raw if SAFE_URL.match(raw) else None


def render_inline(text: str, resolve_file=None) -> str:
    out, pos = [], 0
    for match in INLINE.finditer(text):
        out.append(html.escape(text[pos:match.start()]))
        pos = match.end()
        if match.group("src") is not None:
            url = _url(match.group("src"), resolve_file)
            alt = html.escape(match.group("alt"))
            out.append(f'<img src="{html.escape(url)}" alt="{alt}" loading="lazy">' if url else alt)
        elif match.group("href") is not None:
            url = _url(match.group("href"), resolve_file)
            label = html.escape(match.group("text"))
            out.append(f'<a href="{html.escape(url)}">{label}</a>' if url else label)
        elif match.group("bold") is not None:
            out.append(f"<strong>{html.escape(match.group('bold'))}</strong>")
        else:
            out.append(f"<code>{html.escape(match.group('code'))}</code>")
    out.append(html.escape(text[pos:]))
    return "".join(out)


LIST_ITEM = re.compile(r"^\s*(?:[-*]|(\d{1,3})[.)])\s+(.*)$")
HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


def render_body(body: str, resolve_file=None) -> str:
    """The article text as HTML (escaped, only the tags this format makes)."""
    blocks: list[str] = []
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    para: list[str] = []
    items: list[str] = []
    ordered = False
    quote: list[str] = []

    def flush():
        nonlocal para, items, quote
        if para:
            blocks.append("<p>" + "<br>".join(render_inline(p, resolve_file) for p in para) + "</p>")
            para = []
        if items:
            tag = "ol" if ordered else "ul"
            blocks.append(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>")
            items = []
        if quote:
            blocks.append('<aside class="note">' + "<br>".join(
                render_inline(q, resolve_file) for q in quote) + "</aside>")
            quote = []

    for line in lines:
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        heading = HEADING.match(stripped)
        item = LIST_ITEM.match(line)
        if heading:
            flush()
            level = len(heading.group(1)) + 1
            blocks.append(f"<h{level}>{render_inline(heading.group(2), resolve_file)}</h{level}>")
        elif item:
            if para or quote or (items and ordered != bool(item.group(1))):
                flush()
            ordered = bool(item.group(1))
            items.append(render_inline(item.group(2), resolve_file))
        elif stripped.startswith(">"):
            if para or items:
                flush()
            quote.append(stripped[1:].strip())
        else:
            if items or quote:
                flush()
            para.append(stripped)
    flush()
    return "\n".join(blocks)


def plain_text(body: str) -> str:
    """The words of the text without its markup (for the index, snippets and embeddings)."""
    text = re.sub(r"!\[([^\]\n]*)\]\([^)\s]*\)", r"\1", body or "")
    text = re.sub(r"\[([^\]\n]+)\]\([^)\s]*\)", r"\1", text)
    text = re.sub(r"\*\*|`", "", text)
    text = re.sub(r"(?m)^\s*(#{1,3}|[-*>]|\d{1,3}[.)])\s+", "", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def file_ids(body: str) -> set[int]:
    return {int(m) for m in re.findall(r"\(file:(\d{1,18})\)", body or "")}


# --- versions -------------------------------------------------------------------------------

def version_diff(old: dict, new: dict) -> list[tuple[str, str]]:
    """Lines of a unified diff of two versions' title, summary, keywords and text, as
    (kind, line) with kind one of "add", "del", "hunk", "same"."""
    def lines(v):
        return [f"# {v.get('title', '')}", f"> {v.get('summary', '')}",
                f"keywords: {v.get('keywords', '')}", ""] + (v.get("body") or "").splitlines()

    out = []
    for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = ("hunk" if line.startswith("@@") else "add" if line.startswith("+")
                else "del" if line.startswith("-") else "same")
        out.append((kind, line))
    return out


# --- helpfulness and ranking -----------------------------------------------------------------

def helpful_ratio(yes: int, no: int) -> float:
    """Helpful answers out of all, smoothed towards one half (no votes: 0.5)."""
    return (yes + 1) / (yes + no + 2)


def wilson_upper(yes: int, no: int, z: float = 1.96) -> float:
    """The upper bound of the helpful share: an article whose upper bound is low is
    unhelpful with confidence (the "least helpful" report sorts by it)."""
    n = yes + no
    if n == 0:
        return 1.0
    p = yes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre + margin) / (1 + z * z / n)


def recency(age_days: float, half_life_days: float) -> float:
    """1 for something changed today, 0.5 after ``half_life_days``, → 0."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def popularity(views: int, most_views: int) -> float:
    if most_views <= 0:
        return 0.0
    return math.log1p(max(views, 0)) / math.log1p(most_views)


#: How much recency and helpfulness move a text match (relevance scaled to 0..1).
RECENCY_WEIGHT = 0.15
HELPFUL_WEIGHT = 0.3
POPULARITY_WEIGHT = 0.1


def combined_score(*, relevance: float, best_relevance: float, coverage: float = 1.0,
                   recency_value: float = 0.0, helpful: float = 0.5,
                   popular: float = 0.0) -> float:
    """Text relevance (scaled by the best in the result) first; recency, helpfulness and
    popularity can reorder matches of similar relevance, never bring up a weak one."""
    rel = relevance / best_relevance if best_relevance > 0 else 0.0
    rel *= 0.4 + 0.6 * coverage
    return rel * (1 + RECENCY_WEIGHT * recency_value + HELPFUL_WEIGHT * (helpful - 0.5) * 2
                  + POPULARITY_WEIGHT * popular)


# --- deflection --------------------------------------------------------------------------

def deflection_outcome(*, opened_article: bool, filed: bool) -> str:
    """How a finished suggestion session ended."""
    if filed:
        return "filed"
    return "deflected" if opened_article else "abandoned"


def same_request(typed: str, subject: str) -> bool:
    """Whether a filed request's subject is what an anonymous visitor was typing when the
    suggestions were last shown (they show subject, then description: the text began with
    the subject, or the visitor kept typing the subject after the last suggestions)."""
    typed, subject = " ".join((typed or "").split()), " ".join((subject or "").split())
    if min(len(typed), len(subject)) < 2:
        return False
    return typed.startswith(subject) or subject.startswith(typed)


def deflection_rate(*, deflected: int, finished: int) -> float | None:
    return deflected / finished if finished else None
