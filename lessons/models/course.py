"""Courses, phases, lessons and their learning objectives."""
