"""Generated problems, quizzes and attempts."""
