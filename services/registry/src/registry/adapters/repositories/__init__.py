"""The registry's repositories: every SQL statement of the service, by subject."""
