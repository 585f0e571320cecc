from django.apps import AppConfig


class LessonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lessons"

    def objective_links(self, lesson, key):
        """The lesson page's own practice for an objective: its check-yourself
        cards and interactive tools (see ``lessons.selectors.objective_links``;
        other apps add theirs the same way)."""
        from django.urls import reverse

        from lessons.problems import templates
        from lessons.selectors import ObjectiveLink, lesson_page_links

        links = list(lesson_page_links(lesson, key))
        count = sum(1 for t in templates() if t.objective == key)
        if count:
            url = f"{reverse('quizzes:practice')}?lesson={lesson.slug}&objective={key}"
            label = f"Practice problems ({count} kinds, fresh numbers each time)"
            links.append(ObjectiveLink(kind="problems", label=label, url=url))
        return links
