"""Exercise checks, one module per notebook (``nb01.py``, ``nb05.py`` ...).

Each module registers its checks with :func:`osworkshop.checks.exercise`; use
:func:`osworkshop.checks.load_exercises` to import them all.
"""
