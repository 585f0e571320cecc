"""Reads behind the progress dashboard, one module per idea; this package's
public API.

- `scope`: what a figure counts over and the study days.
- `daily`: due cards, today, the activity heatmap and streak.
- `cards`: retention, forecast, card states.
- `mastery`: estimated knowledge and mastery per objective.
- `dashboard`: quiz history, time spent, the whole dashboard.

Every function aggregates in the database and returns plain dicts and lists
for the API and the templates. Callers write ``from lessons.progress import
selectors`` and ``selectors.dashboard``; the names below are what the API, the
pages and the class dashboard use.
"""

from lessons.progress.selectors.cards import (
    FORECAST_DAYS,
    MATURE_DAYS,
    RETENTION_DAYS,
    STATE_NAMES,
    card_states,
    forecast,
    retention,
)
from lessons.progress.selectors.daily import (
    activity,
    deck_options,
    due_definition,
    due_q,
    heatmap,
    learners_due_q,
    streak,
    today,
)
from lessons.progress.selectors.dashboard import (
    MAX_ATTEMPT_MINUTES,
    QUIZ_HISTORY,
    dashboard,
    quiz_history,
    summary,
    time_spent,
)
from lessons.progress.selectors.mastery import (
    card_objective,
    cards_per_objective,
    knowledge,
    lesson_objectives,
    mastery,
    objective_cards,
    objective_labels,
    objective_order,
    quiz_parts_by_template,
    retrievabilities,
    template_objectives,
)
from lessons.progress.selectors.scope import (
    attempts,
    memories,
    reviews,
    study_date,
    study_day,
    study_deck_ids,
    today_date,
    zone_of,
)

__all__ = [
    "FORECAST_DAYS",
    "MATURE_DAYS",
    "MAX_ATTEMPT_MINUTES",
    "QUIZ_HISTORY",
    "RETENTION_DAYS",
    "STATE_NAMES",
    "activity",
    "attempts",
    "card_objective",
    "card_states",
    "cards_per_objective",
    "dashboard",
    "deck_options",
    "due_definition",
    "due_q",
    "forecast",
    "heatmap",
    "knowledge",
    "learners_due_q",
    "lesson_objectives",
    "mastery",
    "memories",
    "objective_cards",
    "objective_labels",
    "objective_order",
    "quiz_history",
    "quiz_parts_by_template",
    "retention",
    "retrievabilities",
    "reviews",
    "streak",
    "study_date",
    "study_day",
    "study_deck_ids",
    "summary",
    "template_objectives",
    "time_spent",
    "today",
    "today_date",
    "zone_of",
]
