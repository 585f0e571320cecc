"""Classes, enrollments and assignments."""
