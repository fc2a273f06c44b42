"""ModerationAction and Report move here from the communities app with their tables kept
(db_table): Django's state only, no table is created or copied. The two content types are renamed
from communities to moderation, so admin permissions and the log's references to reports carry
over; reversible."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ("moderationaction", "report")


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if types.filter(app_label=new, model=model).exists():
            continue  # already there (created by a run of migrate that came first)
        types.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_moderation(apps, schema_editor):
    _relabel(apps, schema_editor, "communities", "moderation")


def content_types_to_communities(apps, schema_editor):
    _relabel(apps, schema_editor, "moderation", "communities")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('communities', '0010_moderation_log_and_reports_from_communities'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ModerationAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('verb', models.CharField(choices=[('approve_join', 'Approved a join request'), ('reject_join', 'Rejected a join request'), ('remove', 'Removed content'), ('restore', 'Restored content'), ('move', 'Moved a post'), ('pin', 'Pinned'), ('unpin', 'Unpinned'), ('lock', 'Locked a thread'), ('unlock', 'Unlocked a thread'), ('edit', 'Edited the community'), ('merge', 'Merged communities'), ('split', 'Split a community'), ('approve', 'Approved a proposed community'), ('reject', 'Rejected a proposed community'), ('archive', 'Archived'), ('ban', 'Banned'), ('unban', 'Unbanned'), ('appoint', 'Appointed a moderator'), ('dismiss', 'Removed a moderator'), ('start_run', 'Started a match run'), ('hide', 'Hidden after reports'), ('uphold_report', 'Upheld a report'), ('dismiss_report', 'Dismissed a report'), ('accept_suggestion', "Accepted the matcher's suggestion"), ('dismiss_suggestion', "Dismissed the matcher's suggestion")], max_length=20)),
                        ('target_id', models.CharField(max_length=64)),
                        ('target_repr', models.CharField(help_text='What the target was called then.', max_length=200)),
                        ('reason', models.TextField(blank=True, max_length=2000)),
                        ('details', models.JSONField(blank=True, default=dict, help_text='Private details, shown to moderators only.')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='moderation_actions', to=settings.AUTH_USER_MODEL)),
                        ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='moderation_actions', to='communities.community')),
                        ('target_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'communities_moderationaction',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['community', '-created_at'], name='modaction_community_log'), models.Index(fields=['target_type', 'target_id'], name='modaction_target')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('verb__in', ['approve_join', 'reject_join', 'remove', 'restore', 'move', 'pin', 'unpin', 'lock', 'unlock', 'edit', 'merge', 'split', 'approve', 'reject', 'archive', 'ban', 'unban', 'appoint', 'dismiss', 'start_run', 'hide', 'uphold_report', 'dismiss_report', 'accept_suggestion', 'dismiss_suggestion'])), name='moderationaction_verb_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='Report',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('target_id', models.PositiveBigIntegerField()),
                        ('reason', models.TextField(max_length=2000)),
                        ('decision', models.CharField(choices=[('pending', 'Waiting for a moderator'), ('upheld', 'Upheld: content removed'), ('dismissed', 'Dismissed: content restored')], default='pending', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='communities.community')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('reporter', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to=settings.AUTH_USER_MODEL)),
                        ('target_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'communities_report',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['community', 'decision', '-created_at'], name='report_queue'), models.Index(fields=['target_type', 'target_id'], name='report_target')],
                        'constraints': [models.UniqueConstraint(fields=('reporter', 'target_type', 'target_id'), name='report_once_per_person'), models.CheckConstraint(condition=models.Q(('decision__in', ['pending', 'upheld', 'dismissed'])), name='report_decision_valid'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='report_has_reason')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_moderation, content_types_to_communities),
    ]
