# The dashboard's figures read record ids from indexes alone (see the models' comments).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0003_performance_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='deal',
            name='deal_ws_owner',
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['workspace', 'owner', '-created_at', '-id'], name='deal_ws_owner'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(condition=models.Q(('status', 'open')), fields=['workspace', 'id', 'owner'], name='deal_ws_open_id'),
        ),
        migrations.RemoveIndex(
            model_name='lead',
            name='lead_ws_open',
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('archived_at__isnull', True), ('status__in', ['new', 'working', 'nurturing'])), fields=['workspace', 'owner', 'status', 'id'], name='lead_ws_open'),
        ),
        migrations.RemoveIndex(
            model_name='activity',
            name='activity_ws_kind',
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(fields=['workspace', 'kind', '-created_at', 'owner'], name='activity_ws_kind'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(fields=['workspace', 'kind', 'done_at', 'direction', 'owner', 'category'], name='activity_ws_kind_done'),
        ),
        migrations.AddIndex(
            model_name='stagechange',
            index=models.Index(condition=models.Q(('from_status', 'open'), ('to_status', 'won')), fields=['workspace', 'changed_at', 'deal', 'to_stage', 'currency', 'amount'], name='stagechange_ws_won'),
        ),
        migrations.RemoveIndex(
            model_name='lead',
            name='lead_ws_created',
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['workspace', '-created_at', '-id', 'source'], name='lead_ws_created'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(condition=models.Q(('due_at__isnull', False)), fields=['workspace', 'done_at', 'owner', 'kind', 'due_at'], name='activity_ws_done_due'),
        ),
    ]
