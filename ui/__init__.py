"""The Gradio app's parts, kept small so app.py stays a thin wiring of components to events.

Only app.py imports this package; it reads through `assistant` and writes through `ingest`.
"""
