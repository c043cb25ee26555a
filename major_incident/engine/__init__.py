"""The rules of the major-incident procedures, over plain values.

Nothing in this package imports ``odoo``: the models feed it datetimes, numbers from
policies and working intervals from calendars, and act on what it returns, so each
rule can be read and tested on its own (``tests/`` at the repository root).
"""
