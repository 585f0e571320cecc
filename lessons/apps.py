from django.apps import AppConfig


class LessonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lessons"

    def ready(self) -> None:
        # A loaded lesson brings its flashcard deck up to date (flashcards
        # builds the deck; lessons, which depends on flashcards, asks it to).
        from flashcards.lesson_cards import on_lesson_loaded
        from lessons.services import lesson_loaded

        lesson_loaded.connect(
            on_lesson_loaded, dispatch_uid="flashcards.lesson_cards.on_lesson_loaded"
        )

    def home_context(self, user):
        """The start page's list of what the user's classes assign them."""
        from lessons.classes.selectors import assignments_for_learner

        return {"assignments": assignments_for_learner(learner=user)}

    def objective_links(self, lesson, key):
        """The lesson page's own practice for an objective: its check-yourself
        cards, the lesson deck's flashcards and interactive tools (see
        ``lessons.selectors.objective_links``; other apps add theirs the same
        way)."""
        from django.urls import reverse

        from lessons.deck_links import flashcard_links
        from lessons.problems import templates
        from lessons.selectors import ObjectiveLink, lesson_page_links

        links = list(lesson_page_links(lesson, key))
        count = sum(1 for t in templates() if t.objective == key)
        if count:
            url = f"{reverse('quizzes:practice')}?lesson={lesson.slug}&objective={key}"
            label = f"Practice problems ({count} kinds, fresh numbers each time)"
            links.append(ObjectiveLink(kind="problems", label=label, url=url))
        links.extend(flashcard_links(lesson, key))
        return links
