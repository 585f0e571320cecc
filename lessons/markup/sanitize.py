"""Sanitizing HTML: nh3 with an explicit allow-list of tags, attributes, classes.

Every HTML the site renders from markdown (lessons, cards, quizzes, imports)
leaves through :func:`sanitize_html`; user-written markdown also keeps images
only from the site's own card media (:func:`only_user_images`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3

from lessons.markup.sound import USER_AUDIO_SRC

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_TAGS",
    "URL_SCHEMES",
    "USER_IMAGE_SRC",
    "only_user_images",
    "sanitize_html",
]

ALLOWED_TAGS = frozenset(
    {
        *("a", "abbr", "aside", "audio", "b", "blockquote", "br", "code", "dd"),
        "del",
        *("details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5"),
        *("h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "section"),
        *("span", "strong", "sub", "summary", "sup", "table", "tbody", "td"),
        *("tfoot", "th", "thead", "tr", "ul"),
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "audio": {"src", "controls", "preload", "aria-label"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "details": {"open"},
    "abbr": {"title"},
    **{h: {"id"} for h in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "aside": {"id"},
}
ALLOWED_CLASSES: dict[str, set[str]] = {
    "span": {"math", "inline", "display", "sound-missing"},
    "div": {"math", "display", "check-yourself-question", "check-yourself-answer"},
    "aside": {"check-yourself"},
    "p": {"check-yourself-title"},
    "a": {"anchor"},
    "section": {"lesson-section", "lesson-reading", "lesson-practice"},
    "code": {f"language-{lang}" for lang in ("python", "text", "bash", "toml")},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


#: The only images a user's markdown may show: the site's own card media
#: (``flashcards.media``: uploaded, checked, served by the note's sharing
#: rule). An image from anywhere else would be fetched from that server each
#: time the card is shown, telling a deck's author when each learner reviews.
USER_IMAGE_SRC = re.compile(r"/flashcards/media/[0-9a-f]{64}\.(?:png|jpg|gif|webp)")


def only_user_images(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter for user markdown: an ``<img>`` keeps its ``src``
    only when it is one of `USER_IMAGE_SRC` (without one it loads nothing and
    shows its alt text), an ``<audio>`` only when it is one of
    `USER_AUDIO_SRC` (without one it plays nothing).

    Args:
        element: The tag.
        attribute: The attribute's name.
        value: The attribute's value.

    Returns:
        The value to keep, or None to drop the attribute.
    """
    if element == "img" and attribute == "src":
        return value if USER_IMAGE_SRC.fullmatch(value) else None
    if element == "audio" and attribute == "src":
        return value if USER_AUDIO_SRC.fullmatch(value) else None
    return value


def sanitize_html(
    html_: str,
    *,
    attribute_filter: Callable[[str, str, str], str | None] | None = None,
) -> str:
    """Clean HTML against an explicit allow-list of tags, attributes and classes.

    Script, style and event-handler attributes never survive; links keep only
    ``http``, ``https``, ``mailto`` and relative URLs, and get
    ``rel="noopener noreferrer"``.

    Args:
        html_: Untrusted HTML.
        attribute_filter: Called with (tag, attribute, value) for each
            attribute left; returns the value to keep or None to drop it.

    An ``<img>`` left without ``alt`` gets ``alt=""`` (WCAG 1.1.1: a screen
    reader skips it instead of reading its file name).

    Returns:
        The sanitized HTML.
    """
    clean = nh3.clean(
        html_,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=set(URL_SCHEMES),
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=attribute_filter,
    )
    return _IMG_WITHOUT_ALT.sub('<img alt=""', clean)


# nh3 writes every tag it keeps as ``<img`` plus quoted attributes.
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
