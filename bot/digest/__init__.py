"""The weekly digest: its figures, charts and message, posted once per channel and week."""
