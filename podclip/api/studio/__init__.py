"""The producer studio: server-rendered review pages at ``/studio`` (issue 18)."""
