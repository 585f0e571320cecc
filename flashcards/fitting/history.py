"""Review histories as FSRS items: records, study-day counting and the dataset.

A review history becomes FSRS items the way the FSRS optimizer and
srs-benchmark build them: reviews are grouped by card and ordered by time;
``delta_t`` is the number of the learner's *study days* since the card's
previous review (``day_of`` turns a UTC time into a day number, so the day
boundary is the learner's, 4 am local by default); the first review of a card
has ``delta_t = 0``. Every review made on a later day than the card's previous
review is one item: the card's reviews up to and including it, the last one
being the outcome to predict (recalled unless rated Again). Same-day reviews
(learning steps) stay inside the histories with ``delta_t = 0``, where FSRS-6
uses its short-term stability formula, but are never predicted themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fsrs_rs_python as fsrs_rs

from flashcards.scheduling import DEFAULT_DAY_START_HOUR

DayOf = Callable[[datetime], int]


@dataclass(frozen=True)
class ReviewRecord:
    """One review as the fitter needs it.

    Attributes:
        card_id: The card reviewed.
        reviewed_at: When, timezone-aware UTC.
        rating: The answer, 1 (Again) to 4 (Easy).
        duration_ms: Time spent answering, in milliseconds.
    """

    card_id: int
    reviewed_at: datetime
    rating: int
    duration_ms: int = 0

    def __post_init__(self) -> None:
        when = self.reviewed_at
        if not isinstance(when, datetime) or when.utcoffset() != timedelta(0):
            raise ValueError(f"reviewed_at must be timezone-aware UTC, got {when!r}")
        if isinstance(self.rating, bool) or self.rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1, 2, 3 or 4, got {self.rating!r}")
        if self.duration_ms < 0:
            raise ValueError(f"duration_ms cannot be negative, got {self.duration_ms}")


def day_counter(tz: str, day_start_hour: int = DEFAULT_DAY_START_HOUR) -> DayOf:
    """Return a ``day_of`` function numbering the learner's study days.

    A study day starts at ``day_start_hour`` local time, as in
    `flashcards.scheduling.day_bounds` (4 am by default, as in Anki).

    Args:
        tz: An IANA time zone name such as ``"Europe/Berlin"``.
        day_start_hour: The local hour (0-23) at which a new day starts.

    Returns:
        A function from a UTC datetime to an increasing day number.

    Raises:
        ValueError: For an unknown time zone or a bad hour.
    """
    if not 0 <= day_start_hour <= 23:
        raise ValueError(f"day_start_hour must be 0-23, got {day_start_hour}")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc
    shift = timedelta(hours=day_start_hour)

    def day_of(moment: datetime) -> int:
        local = moment.astimezone(zone).replace(tzinfo=None)
        return (local - shift).date().toordinal()

    return day_of


@dataclass(frozen=True)
class CardHistory:
    """One card's reviews in time order, with study-day gaps.

    Attributes:
        card_id: The card.
        reviewed_at: Review times, UTC, oldest first.
        ratings: The ratings, 1-4.
        delta_ts: Study days since the previous review (0 for the first).
    """

    card_id: int
    reviewed_at: tuple[datetime, ...]
    ratings: tuple[int, ...]
    delta_ts: tuple[int, ...]

    def fsrs_reviews(self) -> list[fsrs_rs.FSRSReview]:
        """Return the reviews as ``fsrs-rs`` review objects."""
        return [
            fsrs_rs.FSRSReview(rating, delta_t)
            for rating, delta_t in zip(self.ratings, self.delta_ts, strict=True)
        ]

    def item_positions(self) -> list[int]:
        """Return the indices of the reviews that are FSRS items (predicted)."""
        return [index for index, delta in enumerate(self.delta_ts) if delta > 0]


def group_by_card(
    records: Iterable[ReviewRecord], *, day_of: DayOf
) -> list[CardHistory]:
    """Group reviews by card, order each card's reviews by time, count the days.

    Reviews with equal times keep their input order.

    Args:
        records: Reviews in any order.
        day_of: The learner's study-day number of a UTC time (`day_counter`).

    Returns:
        One history per card, ordered by card id.

    Raises:
        ValueError: If ``day_of`` goes backwards in time.
    """
    grouped: dict[int, list[ReviewRecord]] = {}
    for record in records:
        grouped.setdefault(record.card_id, []).append(record)
    histories = []
    for card_id in sorted(grouped):
        reviews = sorted(grouped[card_id], key=lambda record: record.reviewed_at)
        days = [day_of(record.reviewed_at) for record in reviews]
        deltas = [0, *(later - earlier for earlier, later in pairwise(days))]
        if min(deltas) < 0:
            raise ValueError(f"day_of went backwards in time for card {card_id}")
        histories.append(
            CardHistory(
                card_id=card_id,
                reviewed_at=tuple(record.reviewed_at for record in reviews),
                ratings=tuple(record.rating for record in reviews),
                delta_ts=tuple(deltas),
            )
        )
    return histories


@dataclass(frozen=True)
class ItemRef:
    """One FSRS item: review ``position`` of ``histories[card]``."""

    reviewed_at: datetime
    card: int
    position: int


@dataclass(frozen=True)
class Dataset:
    """A learner's histories and their FSRS items in time order.

    Attributes:
        histories: One per card.
        items: Every predicted review, ordered by time (then card, position).
        review_count: All reviews, including first and same-day ones.
    """

    histories: tuple[CardHistory, ...]
    items: tuple[ItemRef, ...]
    review_count: int

    @classmethod
    def from_records(cls, records: Iterable[ReviewRecord], *, day_of: DayOf) -> Dataset:
        """Build the dataset from plain review records.

        Args:
            records: The learner's reviews, any order.
            day_of: The learner's study-day number of a UTC time.

        Returns:
            The dataset.
        """
        histories = tuple(group_by_card(records, day_of=day_of))
        items = [
            ItemRef(history.reviewed_at[position], card, position)
            for card, history in enumerate(histories)
            for position in history.item_positions()
        ]
        items.sort(key=lambda item: (item.reviewed_at, item.card, item.position))
        count = sum(len(history.ratings) for history in histories)
        return cls(histories=histories, items=tuple(items), review_count=count)

    def fsrs_items(self, items: Sequence[ItemRef]) -> list[fsrs_rs.FSRSItem]:
        """Return ``fsrs-rs`` items (each card's reviews up to the predicted one).

        Args:
            items: Item references from this dataset.

        Returns:
            The items, in the same order.
        """
        reviews = [history.fsrs_reviews() for history in self.histories]
        return [
            fsrs_rs.FSRSItem(reviews[item.card][: item.position + 1]) for item in items
        ]


def to_fsrs_items(
    records: Iterable[ReviewRecord], *, day_of: DayOf
) -> list[fsrs_rs.FSRSItem]:
    """Convert reviews to time-ordered ``fsrs-rs`` items, as the optimizer expects.

    Args:
        records: The learner's reviews, any order.
        day_of: The learner's study-day number of a UTC time.

    Returns:
        One item per review made on a later day than the card's previous one,
        ordered by that review's time.
    """
    dataset = Dataset.from_records(records, day_of=day_of)
    return dataset.fsrs_items(dataset.items)
