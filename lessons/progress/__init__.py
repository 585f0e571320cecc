"""Progress statistics and dashboards for learners and teachers."""
