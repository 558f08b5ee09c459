# An index for the dashboards' contact-channel filter over the survey rollups

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0004_rollup_total_backfill'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='rollup',
            index=models.Index(fields=['instrument_id', 'channel', 'period'], name='survey_rollup_channel'),
        ),
    ]
