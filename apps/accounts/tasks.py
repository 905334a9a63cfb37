from celery import shared_task
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from apps.core.db import connection

from .models import User
from .services import set_password_path


@shared_task(name="accounts.send_set_password_email", ignore_result=False, autoretry_for=(OSError,), max_retries=5)
def send_set_password_email(user_id: int) -> str | None:
    """E-mail a one-time set-password link to a user of the tenant the task was queued in.

    Runs in that tenant's schema (tenant-schemas-celery), so `user_id` can only ever mean
    that tenant's user. Returns the address written to, or None when there is none.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return None
    tenant = connection.tenant
    link = tenant.url(set_password_path(user))
    send_mail(
        subject=_("KotaKita: buat kata sandi akun Anda di %(name)s") % {"name": tenant.name},
        message=_(
            "Selamat datang di KotaKita.\n\nBuat kata sandi akun %(username)s di %(name)s lewat tautan berikut:\n"
            "%(link)s\n"
        )
        % {"username": user.username, "name": tenant.name, "link": link},
        from_email=None,
        recipient_list=[user.email],
    )
    return user.email
