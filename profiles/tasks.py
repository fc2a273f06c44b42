"""Celery tasks for people: interfaces that call one service each. Safe to run twice."""

from celery import shared_task

from profiles import services


@shared_task(name="profiles.mail_notification", acks_late=True)
def mail_notification(notification_id: int) -> bool:
    return services.notification_mail(notification_id=notification_id)


@shared_task(name="profiles.daily_digest")
def daily_digest() -> int:
    return services.notifications_daily_digest()


@shared_task(name="profiles.verification_reminders")
def verification_reminders() -> int:
    return services.email_verification_reminders_send()
