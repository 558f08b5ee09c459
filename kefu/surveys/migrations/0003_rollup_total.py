# The coarser survey rollups the dashboards read (RollupTotal: every slice summed; per
# branch × team × agent; per branch × team × tier × agent)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0002_recovery'),
    ]

    operations = [
        migrations.CreateModel(
            name='RollupTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grain', models.PositiveSmallIntegerField(default=0)),
                ('period', models.DateField()),
                ('instrument_id', models.IntegerField()),
                ('question_id', models.IntegerField(default=0)),
                ('dimension', models.CharField(blank=True, default='', max_length=16)),
                ('column', models.PositiveSmallIntegerField(default=0)),
                ('option', models.PositiveSmallIntegerField(default=0)),
                ('branch_id', models.IntegerField(default=0)),
                ('team_id', models.IntegerField(default=0)),
                ('tier_id', models.IntegerField(default=0)),
                ('agent_id', models.IntegerField(default=0)),
                ('count', models.BigIntegerField(default=0)),
                ('total', models.FloatField(default=0)),
                ('total_sq', models.FloatField(default=0)),
            ],
            options={
                'verbose_name': 'Survey rollup total',
                'verbose_name_plural': 'Survey rollup totals',
                'constraints': [models.UniqueConstraint(fields=('instrument_id', 'grain', 'period', 'question_id', 'dimension', 'column', 'option', 'branch_id', 'team_id', 'tier_id', 'agent_id'), name='survey_rollup_total_key')],
            },
        ),
    ]
