"""The AI side of the screening programme: preprocessing, models, training and the worker.

Nothing in this package imports Django or ``screening``: a GPU worker needs no database.
"""
