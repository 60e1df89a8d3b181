"""The policy designer's web app (Solara): levers, runs, charts, targets, downloads."""
