"""The problem templates, grouped by topic; importing this package registers them.

Each module registers its templates with
:func:`lessons.problems.registry.problem_template`. :data:`MODULES` imports them
in a fixed order, which is the registry's order and so the order of
:func:`lessons.problems.templates` within one lesson section.
"""

from importlib import import_module

#: The template modules, in the order they register their templates.
MODULES: tuple[str, ...] = (
    "compute",
    "format_layout",
    "rounding",
    "loss_scale",
    "gigabytes",
    "training_memory",
    "memory_savings",
    "inference_memory",
    "kv_cache",
    "activations",
)

for _module in MODULES:
    import_module(f"{__name__}.{_module}")
