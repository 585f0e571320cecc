"""The two package layouts and Anki's template language, without Anki."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from flashcards import anki_formats, anki_templates
from flashcards.anki_formats import FormatError, unzstd


def zipped(**members: bytes) -> zipfile.ZipFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def reader(archive: zipfile.ZipFile):
    return archive.read


def entries(*names: str) -> bytes:
    message = anki_formats.parse("MediaEntries", b"")
    for name in names:
        message.entries.add(name=name, size=1)
    return message.SerializeToString()


def test_zstd_inflates_within_its_limit():
    data = zstandard.ZstdCompressor().compress(b"fp16 " * 1000)
    assert unzstd(data, limit=5000, what="x") == b"fp16 " * 1000


def test_a_zstd_bomb_stops_at_the_limit_without_inflating_it_all():
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (64 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    with pytest.raises(FormatError, match="more than 1,000,000 bytes"):
        unzstd(bomb, limit=1_000_000, what="collection.anki21b")


def test_zstd_cut_short_or_not_zstd_is_a_damaged_package():
    data = zstandard.ZstdCompressor().compress(b"hello world" * 1000)
    with pytest.raises(FormatError, match="cut short"):
        unzstd(data[: len(data) // 2], limit=10**6, what="collection.anki21b")
    with pytest.raises(FormatError, match="not readable zstd"):
        unzstd(b"not zstd at all", limit=10**6, what="collection.anki21b")


def test_the_current_layout_is_read_before_the_placeholder_collection():
    both = zipped(**{"collection.anki2": b"old", "collection.anki21b": b"new"})
    assert anki_formats.collection_member(both) == "collection.anki21b"
    legacy = zipped(**{"collection.anki2": b"a", "collection.anki21": b"b"})
    assert anki_formats.collection_member(legacy) == "collection.anki21"
    with pytest.raises(FormatError, match="no Anki collection"):
        anki_formats.collection_member(zipped(readme=b"hi"))


def test_the_package_version_comes_from_meta_and_a_newer_one_is_refused():
    meta = anki_formats.parse("PackageMetadata", b"")
    meta.version = 3
    archive = zipped(meta=meta.SerializeToString(), **{"collection.anki21b": b""})
    assert anki_formats.package_version(archive, reader(archive)) == 3
    meta.version = 9
    newer = zipped(meta=meta.SerializeToString())
    with pytest.raises(FormatError, match="newer Anki"):
        anki_formats.package_version(newer, reader(newer))
    legacy = zipped(**{"collection.anki21": b""})
    assert anki_formats.package_version(legacy, reader(legacy)) == 2


def test_media_lists_of_both_layouts_name_the_zip_members():
    current = zipped(
        media=zstandard.ZstdCompressor().compress(entries("a.png", "b.mp3"))
    )
    assert anki_formats.media_index(current, 3, reader(current), limit=10**6) == [
        ("0", "a.png"),
        ("1", "b.mp3"),
    ]
    legacy = zipped(media=json.dumps({"0": "a.png", "7": "c.jpg"}).encode())
    assert anki_formats.media_index(legacy, 2, reader(legacy), limit=10**6) == [
        ("0", "a.png"),
        ("7", "c.jpg"),
    ]


def test_a_damaged_media_list_imports_no_media_and_says_so():
    archive = zipped(media=zstandard.ZstdCompressor().compress(b"\xff\xff\xff"))
    found, warnings = anki_formats.read_media(
        archive, 3, reader(archive), max_image_bytes=1000
    )
    assert found == {}
    assert "damaged" in warnings[0] and "No media were imported" in warnings[0]


def test_compressed_media_files_are_inflated_and_checked_as_images():
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 40
    compress = zstandard.ZstdCompressor().compress
    archive = zipped(
        media=compress(entries("grid.png", "big.png", "notes.txt")),
        **{"0": compress(png), "1": compress(png + b"\0" * 5000), "2": compress(b"hi")},
    )
    found, warnings = anki_formats.read_media(
        archive, 3, reader(archive), max_image_bytes=1000
    )
    assert found == {"grid.png": png}
    assert len(warnings) == 2
    assert any("big.png" in w and "1,001" in w for w in warnings)
    assert any("notes.txt" in w and "Only PNG" in w for w in warnings)


# --- the template language -----------------------------------------------------

OPTIONAL_REVERSE = "{{#Add Reverse}}{{Back}}{{/Add Reverse}}"


@pytest.mark.parametrize(
    ("switch", "card"),
    [
        ("", False),
        (" ", False),
        ("<br>", False),
        ("<div><br /></div>", False),
        ("y", True),
        ("&nbsp;", True),
        ("<img src=a.png>", True),
        ("<p></p>", True),
    ],
)
def test_a_card_exists_when_its_front_shows_a_field_as_anki_decides(switch, card):
    fields = {"Front": "f", "Back": "b", "Add Reverse": switch}
    assert anki_templates.front_is_empty(OPTIONAL_REVERSE, fields) is not card


def test_a_front_of_text_only_or_of_negated_sections_makes_no_card():
    assert anki_templates.front_is_empty("Just text", {"F": "x"})
    assert anki_templates.front_is_empty("{{^F}}{{G}}{{/F}}", {"F": "", "G": "x"})
    assert not anki_templates.front_is_empty("{{text:hint:F}}", {"F": "x"})


def test_templates_render_fields_sections_filters_and_the_front_side():
    fields = {
        "Word": "<b>ulp</b>",
        "Meaning": "",
        "Text": "{{c1::bf16::fmt}} {{c2::8}}",
    }
    template = (
        "{{Word}}|{{text:Word}}|{{#Meaning}}M{{/Meaning}}{{^Meaning}}none{{/Meaning}}"
    )
    assert anki_templates.render(template, fields) == "<b>ulp</b>|ulp|none"
    assert anki_templates.render("{{FrontSide}}<hr>", fields, front_side="Q") == "Q<hr>"
    question = anki_templates.render("{{cloze:Text}}", fields, cloze=1)
    assert question == '<span class="cloze">[fmt]</span> 8'
    answer = anki_templates.render("{{cloze:Text}}", fields, cloze=1, answer=True)
    assert answer == '<span class="cloze">bf16</span> 8'
    assert "<details>" in anki_templates.render("{{hint:Word}}", fields)
    assert anki_templates.render("{{hint:Meaning}}{{!a comment}}", fields) == ""


def test_the_fields_a_template_shows_exclude_switches_and_specials():
    shown = anki_templates.shown_fields(
        "{{FrontSide}}{{#Add Reverse}}{{Back}}{{/Add Reverse}}{{Extra}}{{Back}}"
    )
    assert shown == ["Back", "Extra"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{#F}}open", "is not closed"),
        ("{{/F}}", "not open"),
        ("{{#F}}{{/G}}", "not open"),
    ],
)
def test_sections_that_do_not_nest_are_a_template_error(template, message):
    with pytest.raises(anki_templates.TemplateError, match=message):
        anki_templates.parse(template)


names = st.sampled_from(["Front", "Back", "Extra"])
values = st.sampled_from(["", " ", "<br>", "x", "<img src=a.png>"])


@given(st.dictionaries(names, values), names)
def test_a_front_showing_a_field_plainly_is_empty_exactly_when_that_field_is(
    fields, key
):
    empty = anki_templates.front_is_empty("Q: {{" + key + "}}", fields)
    assert empty is anki_templates.field_is_empty(fields.get(key, ""))


@given(st.dictionaries(names, values))
def test_a_section_never_makes_a_card_its_contents_would_not(fields):
    inner = "{{Back}}"
    wrapped = "{{#Front}}" + inner + "{{/Front}}"
    if anki_templates.front_is_empty(inner, fields):
        assert anki_templates.front_is_empty(wrapped, fields)
