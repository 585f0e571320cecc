"""A card's scheduling state: ratings, states and conversion to py-fsrs cards.

`Rating` and `State` are our enums (``State.NEW`` marks a card never
reviewed; the library calls such a card ``Learning`` with step 0).
`CardState` is the frozen value the scheduler works on; `_utc` is the one
check that every time given to the scheduler is timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

import fsrs


class Rating(IntEnum):
    """How well the learner recalled a card (the 1-4 answer buttons)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class State(IntEnum):
    """A card's learning state; values match the FSRS optimizer's review_state."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


def _utc(value: datetime, *, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be timezone-aware UTC, got {value!r}")
    if value.tzname() != "UTC":
        raise ValueError(f"{name} must be in UTC, got {value.tzname()}")
    return value if value.tzinfo is UTC else value.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class CardState:
    """Everything the scheduler knows about one card. Times are UTC."""

    state: State = State.NEW
    due: datetime
    stability: float | None = None
    difficulty: float | None = None
    step: int = 0
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", State(self.state))
        object.__setattr__(self, "due", _utc(self.due, name="due"))
        if self.last_review is not None:
            last_review = _utc(self.last_review, name="last_review")
            object.__setattr__(self, "last_review", last_review)
        if min(self.step, self.reps, self.lapses) < 0:
            raise ValueError("step, reps and lapses cannot be negative")
        _check_memory(state=self)

    def to_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-serialisable dict.

        Returns:
            A dict with ISO 8601 times that `from_dict` reads back.
        """
        last_review = self.last_review.isoformat() if self.last_review else None
        return {
            "state": int(self.state),
            "due": self.due.isoformat(),
            "stability": self.stability,
            "difficulty": self.difficulty,
            "step": self.step,
            "last_review": last_review,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CardState:
        """Read a state written by `to_dict`.

        Args:
            data: The dict; times must be ISO 8601 strings in UTC.

        Returns:
            The card state.
        """
        last_review = data.get("last_review")
        return cls(
            state=State(int(data["state"])),
            due=datetime.fromisoformat(data["due"]),
            stability=_optional_float(data.get("stability")),
            difficulty=_optional_float(data.get("difficulty")),
            step=int(data.get("step") or 0),
            last_review=datetime.fromisoformat(last_review) if last_review else None,
            reps=int(data.get("reps", 0)),
            lapses=int(data.get("lapses", 0)),
        )


def _check_memory(*, state: CardState) -> None:
    # The library needs stability and difficulty once a card has graduated.
    needs_memory = state.state in (State.REVIEW, State.RELEARNING)
    if needs_memory and (state.stability is None or state.difficulty is None):
        raise ValueError(f"a {state.state.name} card needs stability and difficulty")
    if state.stability is not None and not state.stability > 0:
        raise ValueError(f"stability must be positive, got {state.stability}")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _to_fsrs_card(*, state: CardState) -> fsrs.Card:
    if state.state is State.NEW:  # the library's fresh card: Learning, step 0
        return fsrs.Card(card_id=0, state=fsrs.State.Learning, step=0, due=state.due)
    return fsrs.Card(
        card_id=0,  # an explicit id: the library's default sleeps 1 ms
        state=fsrs.State(int(state.state)),
        step=None if state.state is State.REVIEW else state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def _from_fsrs_card(
    *, card: fsrs.Card, due: datetime, reps: int, lapses: int
) -> CardState:
    return CardState(
        state=State(int(card.state)),
        due=due,
        stability=card.stability,
        difficulty=card.difficulty,
        step=card.step or 0,
        last_review=card.last_review,
        reps=reps,
        lapses=lapses,
    )
