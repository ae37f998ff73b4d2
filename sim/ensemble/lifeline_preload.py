"""Imported only by multiprocessing's fork server (``set_forkserver_preload``): arms it to die with
the ``sim`` process that started it, and records itself as the parent its workers must have (see
``lifeline.py``). Nothing else imports this module."""

import os

from . import lifeline

lifeline.arm(int(os.environ.get(lifeline.PARENT_ENV, "0")) or None)
lifeline.EXPECTED_PARENT = os.getpid()
