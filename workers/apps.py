from django.apps import AppConfig

# Which objective each lesson section's demo illustrates.
_OBJECTIVE_OF_SECTION = {
    "floating-point-numbers": "fp-representation",
    "range-versus-precision": "fp-representation",
    "what-fewer-bits-save": "fewer-bits-save",
    "quantization": "quantization-vs-mixed",
    "mixed-precision-training": "quantization-vs-mixed",
    "the-asymmetry": "precision-asymmetry",
}


class WorkersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workers"

    def objective_links(self, lesson, key):
        """The demos that show an objective's claims happen on real numbers."""
        from django.urls import reverse

        from lessons.selectors import ObjectiveLink
        from workers.demos import DEMOS

        return [
            ObjectiveLink(
                kind="demo",
                label=f"Demo: {demo.title}",
                url=reverse("workers:demo-detail", args=[demo.name]),
            )
            for demo in DEMOS.values()
            if _OBJECTIVE_OF_SECTION.get(demo.lesson_anchor) == key
        ]
