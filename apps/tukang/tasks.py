from celery import shared_task

from . import whatsapp


@shared_task(name="tukang.handle_whatsapp_message", ignore_result=True, max_retries=5)
def handle_whatsapp_message(message: dict[str, str]) -> None:
    """One conversation turn, after the webhook committed; repeatable (last_message_id)."""
    whatsapp.handle_message(message)
