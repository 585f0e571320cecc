"""Models of the workers app."""
