"""Classroom mode: lessons, the live web page (``sim viz``), handouts."""
