"""Turn the programme's publications and milestone timeline into an index in `vectorstore`."""
