"""`manage.py clearsessions`: Django's command (django.contrib.sessions is not installed: its
table is replaced by apps.websessions), run once for every tenant's sessions."""

from django.contrib.sessions.management.commands import clearsessions


class Command(clearsessions.Command):
    pass
