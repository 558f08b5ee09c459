"""HTML from e-mail made safe to show, and plain text from HTML.

``sanitise_html`` runs ammonia (``nh3``): no scripts, styles, forms or frames, no ``on*``
attributes, no ``javascript:`` URLs, and images only from the message itself (``cid:``).
A remote image becomes a link the reader may follow — so opening a ticket never tells a
tracker that the mail was read. Pure: no database.
"""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser

import nh3

MAX_HTML_CHARS = 5_000_000
REMOTE_IMAGE_CLASS = "kefu-remote-image"
_DROP_WITH_CONTENT = {"script", "style", "title", "noscript", "template", "iframe", "object",
                      "embed", "svg", "math", "textarea", "select", "applet", "frameset",
                      "noembed", "noframes", "xmp"}
_TAGS = set(nh3.ALLOWED_TAGS) | {"font"}
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"title", "lang", "dir"}
_ATTRIBUTES["a"] = {"href", "hreflang"}
_ATTRIBUTES["img"] = {"src", "alt", "width", "height"}
_ATTRIBUTES["font"] = {"color", "size"}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_LINK_REL = "noopener noreferrer nofollow"


def _placeholder(alt: str) -> str:
    try:
        from django.utils.translation import gettext as _

        return _("[remote image: %(name)s]") % {"name": alt} if alt else _("[remote image]")
    except Exception:  # outside Django (a bare script)
        return f"[remote image: {alt}]" if alt else "[remote image]"


class _ImageRewriter(HTMLParser):
    """Re-serialises already-sanitised HTML, turning every image that is not ``cid:`` into a
    link the reader may follow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    @staticmethod
    def _attrs(attrs) -> str:
        return "".join(f' {k}="{htmllib.escape(v or "", quote=True)}"' for k, v in attrs)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            src = dict(attrs).get("src") or ""
            if src.lower().startswith("cid:"):
                self.out.append(f"<img{self._attrs(attrs)}>")
                return
            alt = (dict(attrs).get("alt") or "").strip()[:100]
            if src.lower().startswith(("http://", "https://")):
                self.out.append(f'<a href="{htmllib.escape(src, quote=True)}" '
                                f'class="{REMOTE_IMAGE_CLASS}">'
                                f"{htmllib.escape(_placeholder(alt))}</a>")
            elif alt:
                self.out.append(htmllib.escape(f"[{alt}]"))
            return
        self.out.append(f"<{tag}{self._attrs(attrs)}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag != "img":
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(htmllib.escape(data, quote=False))


def _final_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and not value.lower().startswith("cid:"):
        return None  # never load anything from outside the message
    if attr == "class" and not (tag == "a" and value == REMOTE_IMAGE_CLASS):
        return None
    return value


def _clean(html: str, **extra) -> str:
    return nh3.clean(html, tags=_TAGS, clean_content_tags=_DROP_WITH_CONTENT,
                     attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES, link_rel=_LINK_REL,
                     strip_comments=True, **extra)


def sanitise_html(html: str) -> str:
    """Safe HTML for ``html``: never raises; "" when nothing is left."""
    if not html or not html.strip():
        return ""
    html = html[:MAX_HTML_CHARS].replace("\x00", "")
    try:
        first = _clean(html)
        rewriter = _ImageRewriter()
        rewriter.feed(first)
        rewriter.close()
        return clean_sanitised("".join(rewriter.out))
    except Exception:
        # nh3 itself does not fail on any text; this is for the rewriter. Plain text, escaped,
        # is always safe.
        return "<pre>" + htmllib.escape(html_to_text(html)) + "</pre>"


def clean_sanitised(html: str) -> str:
    """The last pass of ``sanitise_html``, for HTML that already went through it and was cut
    or joined (``quotes.py``): elements left open are closed, stray end tags dropped, the
    same rules applied again (remote-image links keep their class)."""
    attributes = {k: set(v) for k, v in _ATTRIBUTES.items()}
    attributes["a"] = attributes["a"] | {"class"}
    return nh3.clean(html, tags=_TAGS, clean_content_tags=_DROP_WITH_CONTENT,
                     attributes=attributes, url_schemes=_URL_SCHEMES, link_rel=_LINK_REL,
                     strip_comments=True, attribute_filter=_final_filter).strip()


_BLOCK = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dt", "dd",
          "address", "center", "figure", "figcaption", "tbody", "thead", "caption", "nav"}
_SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "math"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img" and not self.skip:
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text from HTML (for mail that has no text part); never raises."""
    if not html:
        return ""
    html = html[:MAX_HTML_CHARS]
    try:
        extractor = _TextExtractor()
        extractor.feed(html)
        extractor.close()
        text = "".join(extractor.parts)
    except Exception:
        text = htmllib.unescape(re.sub(r"<[^>]*>", " ", html))
    lines = [line.strip() for line in text.replace("\xa0", " ").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
