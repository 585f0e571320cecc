"""Seed a load-test database: one teacher deck and N learners with API tokens.

Run by ``tests/load/run.py`` in a subprocess with the server's environment
(``DATABASE_URL`` pointing at the throwaway database)::

    python -m tests.load.seed --learners 200 --cards 200 --reversed 50 --out learners.json

The deck has ``--cards`` notes, the first ``--reversed`` of them reversed (two
cards each: answering one buries the other for the day, as on the study
page). Learners (``load-learner-NNN``, `LEARNER_PREFIX`) are one class of the
teacher's, and the deck is assigned to it (as a school shares a deck); each
keeps their own memory state, so no two learners touch the same row. The
password hash is computed once: 200 PBKDF2 hashes would take over a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

LEARNER_PREFIX = "load-learner-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--cards", type=int, default=200, help="notes in the deck")
    parser.add_argument(
        "--reversed", type=int, default=0, help="of them, reversed (two cards)"
    )
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if not 0 <= args.reversed <= args.cards:
        parser.error("--reversed must be from 0 to --cards")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studysite.settings")
    import django

    django.setup()

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils.timezone import now
    from rest_framework.authtoken.models import Token

    from flashcards import services
    from lessons.models import Assignment, Enrollment, SchoolClass
    from studysite.models import User
    from studysite.services import user_create

    with transaction.atomic():
        teacher = user_create(
            username="load-teacher",
            password="load-teacher-password-1",
            teacher=True,
        )
        deck = services.deck_create(
            owner=teacher,
            title="Load test deck",
            options={
                "new_per_day": args.cards + args.reversed,
                "reviews_per_day": 9999,
            },
        )
        for i in range(args.cards):
            services.note_create(
                deck=deck,
                type="basic_reversed" if i < args.reversed else "basic",
                fields={
                    "front": f"What is {i} × 3? (bf16 rounding drill {i})",
                    "back": f"**{i * 3}** — exactly representable: {i * 3 < 256}",
                },
                tags=["load"],
            )
        password = make_password("load-learner-password-1")
        learners = User.objects.bulk_create(
            User(
                username=f"{LEARNER_PREFIX}{i:03d}",
                email=f"{LEARNER_PREFIX}{i:03d}@example.org",
                password=password,
            )
            for i in range(args.learners)
        )
        school_class = SchoolClass.objects.create(teacher=teacher, name="Load class")
        Enrollment.objects.bulk_create(
            Enrollment(school_class=school_class, learner=user, joined_at=now())
            for user in learners
        )
        Assignment.objects.create(school_class=school_class, deck=deck)
        services.deck_share_with_class(deck=deck)
        tokens = Token.objects.bulk_create(
            Token(key=Token.generate_key(), user=user) for user in learners
        )
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(
            {"deck": deck.pk, "tokens": [token.key for token in tokens]},
            fh,
        )
    print(
        f"seeded {len(tokens)} learners and a deck of {args.cards} notes "
        f"({args.reversed} reversed: {args.cards + args.reversed} cards)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
