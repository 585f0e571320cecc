"""The lessons app's models, one module per area.

course: courses, phases, lessons, objectives, sections.
quiz:   generated problems, quizzes and attempts.
classes: classes with join codes, enrollments, assignments.
"""

from lessons.models.classes import *  # noqa: F403
from lessons.models.course import *  # noqa: F403
from lessons.models.quiz import *  # noqa: F403
