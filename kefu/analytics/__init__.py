"""Service-quality analytics: the pure statistics (``stats/``) and their command line.

See docs/servqual.md for the formulas and the ``kefu stats`` / ``kefu servqual`` commands.
"""
