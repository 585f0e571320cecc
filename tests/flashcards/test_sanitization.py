"""Everything a teacher or an import writes is shown sanitized: the study
queue, the deck page, the live preview (page and API) and imported notes,
against the corpus in ``xss_payloads.txt``."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flashcards import interop, services
from flashcards.models import Note
from lessons.markup.sound import USER_AUDIO_SRC

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).with_name("xss_payloads.txt")
PAYLOADS = [
    line
    for line in CORPUS.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
BAD_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "style",
    "svg",
    "math",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "button",
    "video",
    "source",
    "marquee",
    "template",
    "noscript",
    "body",
    "x",
}
URL_ATTRS = {"href", "src", "action", "formaction", "background", "data", "srcdoc"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BAD_TAGS:
            self.problems.append(f"<{tag}>")
        # An audio player may stay only when it plays the site's own media
        # (`lessons.markup.sound`); without a src it plays nothing.
        src = dict(attrs).get("src")
        if tag == "audio" and src is not None and not USER_AUDIO_SRC.fullmatch(src):
            self.problems.append(f"audio[src={src}]")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRS and value is not None:
                url = re.sub(r"[\s\x00-\x1f]+", "", html.unescape(value)).lower()
                if url.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag}[{name}={value}]")


def assert_safe(markup: str) -> None:
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    assert not checker.problems, (checker.problems, markup)


def test_the_corpus_is_there_and_large_enough():
    assert len(PAYLOADS) >= 40


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_in_the_queue_and_the_preview(learner_api, deck, payload):
    services.note_create(
        deck=deck, type="basic", fields={"front": payload, "back": f"x {payload}"}
    )
    body = learner_api.get(f"/api/v1/study/queue?deck={deck.pk}&limit=1").json()
    card = body["cards"][0]
    assert_safe(card["front"])
    assert_safe(card["back"])
    preview = learner_api.post(
        "/api/v1/notes/preview/",
        {"type": "basic", "fields": {"front": payload, "back": payload}},
        format="json",
    ).json()
    for shown in preview["cards"]:
        assert_safe(shown["front"])
        assert_safe(shown["back"])


def test_every_payload_is_inert_on_the_pages(client, learner, deck):
    client.force_login(learner)
    for payload in PAYLOADS:
        services.note_create(
            deck=deck, type="basic", fields={"front": payload, "back": "b"}
        )
        response = client.post(
            "/notes/preview/",
            {"type": "cloze", "text": "{{c1::x}} " + payload, "extra": payload},
        )
        assert response.status_code == 200
        assert_safe(response.content.decode())
    page = client.get(f"/decks/{deck.pk}/").content.decode()
    rows = page[page.index("<tbody>") : page.rindex("</tbody>")]
    # The page's own checkboxes are the only inputs allowed.
    assert_safe(re.sub(r'<input type="checkbox" name="notes"[^>]*>', "", rows))


def test_payloads_in_a_csv_import_are_cleaned_and_reported(learner):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["front", "back"])
    for payload in PAYLOADS:
        writer.writerow([f"q {payload}", f"a {payload}"])
    job = interop.import_job_create(
        owner=learner, filename="x.csv", data=out.getvalue().encode()
    )
    interop.import_job_map(job=job, columns={"front": 0, "back": 1}, header=True)
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    assert job.warnings and all("unsafe HTML" in w for w in job.warnings)
    from flashcards.payloads import card_html

    for note in Note.objects.filter(deck=job.deck):
        for card in note.cards.all():
            front, back, _ = card_html(card)
            assert_safe(front)
            assert_safe(back)


# --- images come from our media only ------------------------------------------------

SHA = "a" * 64
OURS = f"/flashcards/media/{SHA}.png"
REMOTE_IMAGES = [
    '<img src="https://tracker.example/pixel.gif?learner=1">',
    "![seen](https://tracker.example/pixel.gif)",
    '<img src="//tracker.example/pixel.gif" alt="x">',
    '<img src="http://tracker.example/a.png">',
    '<img src="HTTPS://tracker.example/a.png">',
    '<img src=" https://tracker.example/a.png">',
    '<img src="/static/logo.png">',  # ours, but not a card's media
    '<img src="pixel.gif">',
    f'<img src="/flashcards/media/{SHA}.png/../../x">',
    f'<img src="/flashcards/media/{SHA}.png@tracker.example">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
]


def _image_sources(markup: str) -> list[str]:
    return re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", markup)


@pytest.mark.parametrize("markdown", REMOTE_IMAGES)
def test_a_card_shows_no_image_from_elsewhere(learner_api, deck, markdown):
    """A deck's author cannot learn when a learner reviews (a remote image
    would be fetched from their server at every review)."""
    services.note_create(
        deck=deck, type="basic", fields={"front": f"Q {markdown}", "back": "A"}
    )
    card = learner_api.get(f"/api/v1/study/queue?deck={deck.pk}&limit=1").json()
    assert _image_sources(card["cards"][0]["front"]) == []
    preview = learner_api.post(
        "/api/v1/notes/preview/",
        {"type": "basic", "fields": {"front": markdown, "back": "A"}},
        format="json",
    ).json()
    assert _image_sources(preview["cards"][0]["front"]) == []


def test_a_remote_image_leaves_only_its_alt_text(learner_api):
    preview = learner_api.post(
        "/api/v1/notes/preview/",
        {
            "type": "basic",
            "fields": {"front": "![a chart](https://x.example/c.png)", "back": "A"},
        },
        format="json",
    ).json()
    front = preview["cards"][0]["front"]
    assert _image_sources(front) == [] and "x.example" not in front
    assert 'alt="a chart"' in front  # shown where the image was


@pytest.mark.parametrize(
    "markdown", [f"![chart]({OURS})", f'<img src="{OURS}" alt="c">']
)
def test_a_card_shows_our_media(learner_api, deck, learner, markdown):
    services.note_create(
        deck=deck, type="basic", fields={"front": f"Q {markdown}", "back": "A"}
    )
    card = learner_api.get(f"/api/v1/study/queue?deck={deck.pk}&limit=1").json()
    (src,) = _image_sources(card["cards"][0]["front"])
    assert src.startswith(OURS + "?t=")  # signed for the viewer


def test_the_policy_lets_pages_load_images_from_the_site_alone(client):
    """The browser refuses an image from any other server too, should one get
    past the sanitizer. ``data:`` stays: Swagger UI (/api/docs/) draws its
    icons with data: SVGs, and a data: image is in the page, fetched from
    nowhere, so it tells no one when a card is shown."""
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
    assert directives["img-src"] == ["'self'", "data:"]
