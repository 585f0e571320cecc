"""Quizzes of generated problems: services, APIs, pages and tasks."""
