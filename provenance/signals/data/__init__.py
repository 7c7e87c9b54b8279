"""Data files shipped with the signal readers (pinned copies, each with its licence beside it)."""
