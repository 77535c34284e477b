"""Answer questions from the index with page-accurate citations."""
