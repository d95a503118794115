"""Stage 7, reporting: the terminal summary (`terminal`)."""
