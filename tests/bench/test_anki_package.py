"""The Anki package benchmark builds a package the product reads whole (notes of
three models, their cards, review log and images), and its quick run imports
it, finds in the database what the package holds and prints its figures."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

from flashcards import anki, media
from tests.bench.anki_package import anki_package

ROOT = Path(__file__).resolve().parents[2]

_RUN = """
import sys, django
django.setup()
from django.core.management.base import OutputWrapper
from tests.bench.anki_package import bench_import_anki_package
bench_import_anki_package(out=OutputWrapper(sys.stdout), quick=True)
"""


def test_the_built_package_reads_back_with_every_note_card_review_and_image(
    tmp_path,
):
    package = anki_package(notes=60, reviews=300, images=5)
    assert package == anki_package(notes=60, reviews=300, images=5)  # seeded

    read = anki.read_apkg(package.data)
    assert len(read.notes) == package.notes == 60
    assert sum(len(n.cards) for n in read.notes) == package.cards
    assert read.review_count == package.reviews == 300
    assert sorted(read.media) == [f"img{i}.png" for i in range(5)]
    assert all(media.check_image(data) == "image/png" for data in read.media.values())
    assert {n.type for n in read.notes} == {"basic", "basic_reversed", "cloze"}
    assert not read.warnings

    with zipfile.ZipFile(BytesIO(package.data)) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "c.anki2")
    try:
        assert db.execute("SELECT ver FROM col").fetchone() == (11,)
        ids = [row[0] for row in db.execute("SELECT id FROM revlog ORDER BY rowid")]
    finally:
        db.close()
    assert ids == sorted(set(ids))  # epoch ms, strictly increasing


def test_the_quick_run_imports_the_package_and_prints_matching_counts(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studysite.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'configured.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [sys.executable, "-c", _RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = done.stdout
    written = re.search(r"package: 200 notes .*?, (\d+) cards, 1000 reviews", printed)
    stored = re.search(
        r"stored: 200 notes, (\d+) cards, 1000 reviews, 20 images", printed
    )
    assert written and stored, printed
    assert stored[1] == written[1]
    assert "counts match the package" in printed
    assert "COUNTS DIFFER" not in printed and "FAILED" not in printed
    assert re.search(r"import: [\d.]+ s, [\d.]+ s per 1,000 notes, \d+ SQL", printed)
    assert re.search(r"peak Python memory of an import: [\d.]+ MiB", printed)
    assert re.search(r"package [\d.]+ MiB", printed)
