"""Admin for courses and lessons. The text comes from ``lessons/content`` via
``manage.py load_lessons``: rendered fields are read-only here."""

from django.contrib import admin

from lessons.models import (
    Course,
    LearningObjective,
    Lesson,
    LessonSection,
    Phase,
    Prerequisite,
)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ("number", "slug", "title")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "loaded_at")
    inlines = [PhaseInline]


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ("order", "slug", "title", "published")
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "course")
    inlines = [LessonInline]


class ObjectiveInline(admin.TabularInline):
    model = LearningObjective
    extra = 0
    fields = ("order", "key", "text", "retired")
    readonly_fields = ("key",)


class SectionInline(admin.TabularInline):
    model = LessonSection
    extra = 0
    fields = ("order", "anchor", "title", "kind", "word_count")
    readonly_fields = fields
    can_delete = False


class PrerequisiteInline(admin.TabularInline):
    model = Prerequisite
    fk_name = "lesson"
    extra = 0


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "phase",
        "order",
        "published",
        "read_minutes",
        "word_count",
        "loaded_at",
    )
    list_filter = ("published", "phase")
    search_fields = ("title", "slug")
    readonly_fields = (
        "word_count",
        "math_count",
        "read_minutes",
        "toc",
        "cards",
        "html",
        "source_hash",
        "loaded_at",
    )
    inlines = [ObjectiveInline, PrerequisiteInline, SectionInline]
