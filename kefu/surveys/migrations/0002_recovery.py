# Closed loop: the recovery policy (one row) and the response → recovery ticket link

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0001_initial'),
        ('tickets', '0005_email_html'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RecoveryLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('low_csat', 'Low satisfaction rating'), ('nps_detractor', 'NPS detractor'), ('servqual_gap', 'Large negative SERVQUAL gap')], max_length=16, verbose_name='Reason')),
                ('score', models.FloatField(verbose_name='Score')),
                ('threshold', models.FloatField(verbose_name='Threshold')),
                ('dimension', models.CharField(blank=True, max_length=16, verbose_name='Dimension')),
                ('created_at', models.DateTimeField(verbose_name='Opened')),
                ('response', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='recovery', to='surveys.response')),
                ('ticket', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='survey_recovery', to='tickets.ticket')),
            ],
            options={
                'verbose_name': 'Survey recovery ticket',
                'verbose_name_plural': 'Survey recovery tickets',
                'indexes': [models.Index(fields=['created_at'], name='survey_recovery_created')],
            },
        ),
        migrations.CreateModel(
            name='RecoveryPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('active', models.BooleanField(default=True, verbose_name='Open recovery tickets')),
                ('csat_at_most', models.PositiveSmallIntegerField(blank=True, default=2, help_text='A satisfaction rating at or below this (1–5 scale) opens a ticket; blank: never.', null=True, verbose_name='CSAT rating at most')),
                ('nps_at_most', models.PositiveSmallIntegerField(blank=True, default=6, help_text='A likelihood to recommend at or below this (0–10; 6 and below are detractors) opens a ticket; blank: never.', null=True, verbose_name='NPS score at most')),
                ('gap_at_most', models.FloatField(blank=True, default=-1.5, help_text="A customer's gap (perception − expectation; in the three-column form perception − adequate) in any dimension at or below this (−6 to 0) opens a ticket; blank: never.", null=True, verbose_name='SERVQUAL dimension gap at most')),
                ('priority', models.CharField(choices=[('normal', 'Normal'), ('high', 'High'), ('urgent', 'Urgent')], default='high', max_length=10, verbose_name='Priority of recovery tickets')),
                ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='Updated')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Updated by')),
            ],
            options={
                'verbose_name': 'Survey recovery policy',
                'verbose_name_plural': 'Survey recovery policy',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='survey_recovery_policy_single')],
            },
        ),
    ]
