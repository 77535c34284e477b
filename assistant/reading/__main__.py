import assistant.reading.figures  # noqa: F401  (registers the `figures` command)
from assistant.reading.train import main

main()
