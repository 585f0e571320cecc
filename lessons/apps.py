from django.apps import AppConfig


class LessonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lessons"

    def objective_links(self, lesson, key):
        """The lesson page's own practice for an objective: its check-yourself
        cards and interactive tools (see ``lessons.selectors.objective_links``;
        other apps add theirs the same way)."""
        from lessons.selectors import lesson_page_links

        return lesson_page_links(lesson, key)
