"""Training the demo models on a synthetic cohort; `python -m inference.train` is the command."""
