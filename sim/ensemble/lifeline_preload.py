"""Imported only by multiprocessing's fork server (``set_forkserver_preload``): arms it to die with
the ``sim`` process that started it (see ``lifeline.py``). Nothing else imports this module."""

from .lifeline import arm

arm()
