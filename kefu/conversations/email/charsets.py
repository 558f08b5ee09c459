"""Turning the bytes customers send into text: the declared charset, mapped to the superset
that mail clients really use (GB2312 → GB18030, Big5 → CP950/Big5-HKSCS, Shift_JIS → CP932,
EUC-KR → CP949, ISO-8859-1 → windows-1252), then valid UTF-8 when the label lies, then
detection (charset-normalizer), and last a lossy decode that is reported — never an error.

Pure: no Django, no database.
"""

from __future__ import annotations

import codecs
import re

#: A declared label → the codecs to try, in order (each a superset the sender's client most
#: likely used). Labels not listed go through ``codecs.lookup`` as they are.
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",), "x-gbk": ("gb18030",), "cp936": ("gb18030",),
    "ms936": ("gb18030",), "windows-936": ("gb18030",), "euc-cn": ("gb18030",),
    "csgb2312": ("gb18030",), "gb_2312-80": ("gb18030",), "chinese": ("gb18030",),
    "iso-ir-58": ("gb18030",), "x-euc-cn": ("gb18030",), "gb18030": ("gb18030",),
    "hz-gb-2312": ("hz", "gb18030"), "hz": ("hz", "gb18030"),
    "big5": ("cp950", "big5hkscs"), "big-5": ("cp950", "big5hkscs"),
    "x-x-big5": ("cp950", "big5hkscs"), "cn-big5": ("cp950", "big5hkscs"),
    "csbig5": ("cp950", "big5hkscs"), "cp950": ("cp950", "big5hkscs"),
    "big5-hkscs": ("big5hkscs", "cp950"),
    "shift_jis": ("cp932", "shift_jis_2004"), "shift-jis": ("cp932", "shift_jis_2004"),
    "sjis": ("cp932", "shift_jis_2004"), "x-sjis": ("cp932", "shift_jis_2004"),
    "ms_kanji": ("cp932",), "csshiftjis": ("cp932",), "windows-31j": ("cp932",),
    "cp932": ("cp932", "shift_jis_2004"),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3"),
    "csiso2022jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"),
    "iso-2022-jp-2": ("iso2022_jp_2", "iso2022_jp_ext"),
    "euc-jp": ("euc_jp", "euc_jis_2004"), "x-euc-jp": ("euc_jp", "euc_jis_2004"),
    "euc-kr": ("cp949",), "ks_c_5601-1987": ("cp949",), "ks_c_5601": ("cp949",),
    "ksc5601": ("cp949",), "cseuckr": ("cp949",), "korean": ("cp949",), "uhc": ("cp949",),
    "iso-2022-kr": ("iso2022_kr",),
    "iso-8859-1": ("cp1252",), "latin1": ("cp1252",), "latin-1": ("cp1252",),
    "iso8859-1": ("cp1252",), "l1": ("cp1252",), "us-ascii": ("ascii",), "ascii": ("ascii",),
    "ansi_x3.4-1968": ("ascii",), "iso-8859-9": ("cp1254",), "iso-8859-11": ("cp874",),
    "tis-620": ("cp874",), "windows-874": ("cp874",),
    "utf8": ("utf-8",), "utf-8": ("utf-8",), "unicode-1-1-utf-8": ("utf-8",),
}
#: Labels that say nothing: detect instead.
_MEANINGLESS = {"", "unknown", "unknown-8bit", "x-unknown", "default", "charset", "none",
                "x-user-defined", "8bit", "binary", "_autodetect_all", "auto"}
#: What detection may answer (a broad guess outside this set is worse than a known fallback).
_DETECTABLE = (
    "utf_8", "gb18030", "big5", "cp950", "big5hkscs", "cp932", "shift_jis", "euc_jp",
    "iso2022_jp", "cp949", "euc_kr", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254",
    "cp1255", "cp1256", "cp1257", "cp1258", "koi8_r", "koi8_u", "cp874", "latin_1",
    "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_15", "utf_16", "mac_roman",
)
_ISO2022_JP_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")
# C0/C1 controls a ticket body must not carry (NUL is refused by the ticket services).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def normalise_label(label: str | None) -> str:
    return (label or "").strip().strip("\"'").strip().lower()


def codecs_for(label: str | None) -> tuple[str, ...]:
    """The codecs to try for a declared charset label, most likely first; () when unknown."""
    label = normalise_label(label)
    if label in _MEANINGLESS:
        return ()
    if label in _SUPERSETS:
        return _SUPERSETS[label]
    alias = label.replace("_", "-")
    if alias in _SUPERSETS:
        return _SUPERSETS[alias]
    if alias.startswith(("cp-", "x-cp")):
        alias = "cp" + alias.rsplit("cp", 1)[1].lstrip("-")
    try:
        name = codecs.lookup(alias).name
    except (LookupError, ValueError, TypeError):
        return ()
    if name in {"gb2312", "gbk"}:
        return ("gb18030",)
    if name in {"latin-1", "iso8859-1"}:
        return ("cp1252",)
    if not _is_text_codec(name):
        return ()
    return (name,)


#: Python codecs that are not character sets a mail could be written in.
_NOT_CHARSETS = {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined",
                 "mbcs", "oem", "unicode-internal", "unicode_internal"}


def _is_text_codec(name: str) -> bool:
    if name.replace("-", "_") in _NOT_CHARSETS or name in _NOT_CHARSETS:
        return False
    try:
        return codecs.lookup(name)._is_text_encoding  # type: ignore[attr-defined]
    except (LookupError, AttributeError):
        return False


def _has_multibyte_utf8(data: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte character (pure ASCII proves nothing)."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        return None


_PUNCTUATION = set("，。！？：；“”‘’（）、—…《》【】〔〕「」『』·～￥％＃＠＆＊＋－＝／＼｜"
                   "–€£©®™°±×÷§¶•‹›«»¡¿")


def _common_cjk(char: str, codec: str, leads: tuple[int, int]) -> bool:
    try:
        lead = char.encode(codec)[0]
    except (UnicodeEncodeError, LookupError):
        return False
    return leads[0] <= lead <= leads[1]


def _score(text: str, codec: str) -> float:
    """How plausible ``text`` is as ordinary writing in the script ``codec`` is for: the
    share of its non-ASCII characters that are common (GB2312 level 1 for Chinese in GB,
    Big5's frequent characters, JIS level 1 and kana, KS X 1001 Hangul, letters)."""
    chars = [c for c in text if ord(c) > 127][:2000]
    if not chars:
        return 1.0
    good = 0
    for c in chars:
        if c in _PUNCTUATION or 0xFF01 <= ord(c) <= 0xFF5E or 0x3000 <= ord(c) <= 0x3003:
            good += 1
        elif codec == "gb18030":
            good += _common_cjk(c, "gb2312", (0xB0, 0xD7))
        elif codec in ("cp950", "big5hkscs"):
            good += _common_cjk(c, "cp950", (0xA4, 0xC6))
        elif codec in ("cp932", "euc_jp"):
            good += 0x3040 <= ord(c) <= 0x30FF or _common_cjk(c, "cp932", (0x88, 0x98))
        elif codec in ("cp949", "euc_kr"):
            good += 0xAC00 <= ord(c) <= 0xD7A3 and _common_cjk(c, "euc_kr", (0xB0, 0xC8))
        elif codec == "cp1251" or codec.startswith("koi8"):
            good += 0x0400 <= ord(c) <= 0x04FF
        else:
            good += c.isalpha() and ord(c) < 0x0250
    return good / len(chars)


#: What mail without a declared charset is tried as, in order of preference on a tie (this
#: product's customers write Chinese first).
_GUESSES = ("gb18030", "cp950", "cp932", "cp949", "cp1252", "cp1251", "cp1250")


def detect(data: bytes) -> tuple[str, str] | None:
    """(text, codec) by detection, or None when nothing fits."""
    if data.isascii():
        if any(esc in data for esc in _ISO2022_JP_ESCAPES):
            for codec in ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2"):
                text = _strict(data, codec)
                if text is not None:
                    return text, codec
        return data.decode("ascii"), "ascii"
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[3:], "utf-8")
        if text is not None:
            return text, "utf-8"
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    sample = data[:100_000]
    scored = []
    for codec in _GUESSES:
        text = _strict(sample, codec)
        if text is not None:
            scored.append((_score(text, codec), codec))
    best_score = max((s for s, _c in scored), default=0.0)
    tied = [c for s, c in scored if s >= best_score - 0.05 and s >= 0.6]
    if len(tied) > 1 and len([b for b in sample if b > 127]) >= 24:
        chosen = _normalizer_choice(sample, tied)
        if chosen is not None:
            tied = [chosen]
    candidates = tied or [_normalizer_choice(sample, list(_DETECTABLE))] + list(_GUESSES)
    for codec in candidates:
        if codec is None:
            continue
        for candidate in (codecs_for(codec) or (codec,)):
            text = _strict(data, candidate)
            if text is not None:
                return text, candidate
    return None


def _normalizer_choice(data: bytes, codecs_allowed: list[str]) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=codecs_allowed).best()
    except Exception:  # the detector is a heuristic: any failure means "no opinion"
        return None
    return best.encoding if best is not None and best.encoding else None


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, list[str]]:
    """Text for ``data`` sent with the charset label ``declared``, and what went wrong (empty
    when the declared charset fitted). Never raises."""
    problems: list[str] = []
    label = normalise_label(declared)
    candidates = codecs_for(label)
    if label and not candidates:
        problems.append(f"unknown charset {label[:40]!r}")
    if candidates and candidates[0] != "utf-8" and _has_multibyte_utf8(data):
        # The label lies far more often than legacy CJK or Latin text happens to be valid
        # UTF-8 (GBK/Big5/Shift_JIS lead bytes are mostly UTF-8 continuation bytes).
        problems.append(f"declared {label!r} but the content is UTF-8")
        return clean_text(data.decode("utf-8")), problems
    for codec in candidates:
        text = _strict(data, codec)
        if text is not None:
            return clean_text(text), problems
    if candidates:
        problems.append(f"content is not valid {label!r}")
    found = detect(data)
    if found is not None:
        text, codec = found
        if label:
            problems.append(f"decoded as {codec} (detected)")
        return clean_text(text), problems
    codec = candidates[0] if candidates else "utf-8"
    problems.append(f"undecodable bytes replaced (decoded as {codec})")
    return clean_text(data.decode(codec, errors="replace")), problems


def clean_text(text: str) -> str:
    """Drop the characters that text columns refuse (NUL, other controls, lone surrogates)
    and normalise line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    return _SURROGATES.sub("\ufffd", text)


def recover_header_bytes(value: str) -> str:
    """A header read as ASCII with surrogate escapes (raw 8-bit bytes: UTF-8 per RFC 6532, or
    GBK from older clients): decode those bytes properly."""
    if value.isascii():
        return value
    try:
        raw = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return clean_text(value)  # already real text
    text, _problems = decode_bytes(raw, None)
    return text
