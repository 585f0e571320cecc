"""Classes: join codes, enrollment, assignments of decks and quizzes."""
