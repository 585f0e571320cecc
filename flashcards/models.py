"""Models of the flashcards app."""
