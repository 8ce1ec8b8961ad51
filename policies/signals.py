"""Re-match an enterprise when its profile or tags change (精准推送 of what it newly
qualifies for). The work runs in the background, after the change commits."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django_q.tasks import async_task

from portal.models import Enterprise


def _queue_rematch(enterprise_id: int) -> None:
    transaction.on_commit(
        lambda: async_task("policies.tasks.rematch_enterprise", enterprise_id, task_name=f"rematch-{enterprise_id}")
    )


@receiver(post_save, sender=Enterprise, dispatch_uid="policies_rematch_on_save")
def enterprise_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:
        _queue_rematch(instance.pk)


@receiver(m2m_changed, sender=Enterprise.tags.through, dispatch_uid="policies_rematch_on_tags")
def enterprise_tags_changed(sender, instance, action, reverse=False, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        _queue_rematch(instance.pk)
