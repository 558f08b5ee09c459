# Weekly report subscriptions, the public supervision page and the settings audit trail

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_verbose_names'),
        ('analytics', '0001_impact_assumptions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='QualityEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField()),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'Quality settings event',
                'verbose_name_plural': 'Quality settings events',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PublicPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('enabled', models.BooleanField(default=False, verbose_name='Published')),
                ('title', models.CharField(blank=True, max_length=120, verbose_name='Title')),
                ('title_en', models.CharField(blank=True, max_length=120, verbose_name='English title')),
                ('months', models.PositiveSmallIntegerField(default=3, help_text='The figures cover this month and the ones before it.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)], verbose_name='Months shown')),
                ('min_n', models.PositiveIntegerField(default=10, help_text='Below this many answers a branch shows “too few answers”.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10000)], verbose_name='Fewest answers shown')),
                ('cache_seconds', models.PositiveIntegerField(default=60, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(3600)], verbose_name='Cache (seconds)')),
                ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='Updated')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Updated by')),
            ],
            options={
                'verbose_name': 'Public supervision page',
                'verbose_name_plural': 'Public supervision page',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='public_page_single')],
            },
        ),
        migrations.CreateModel(
            name='ReportSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(choices=[('all', 'Everything'), ('branch', 'A branch'), ('team', 'A team')], default='all', max_length=8, verbose_name='Covers')),
                ('language', models.CharField(choices=[('zh-hans', '简体中文'), ('en', 'English')], default='zh-hans', max_length=10, verbose_name='Language')),
                ('active', models.BooleanField(default=True, verbose_name='Active')),
                ('last_week', models.DateField(blank=True, editable=False, null=True, verbose_name='Last week sent')),
                ('created_at', models.DateTimeField(verbose_name='Created')),
                ('branch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.branch', verbose_name='Branch')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.team', verbose_name='Team')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_subscriptions', to=settings.AUTH_USER_MODEL, verbose_name='Manager')),
            ],
            options={
                'verbose_name': 'Weekly report subscription',
                'verbose_name_plural': 'Weekly report subscriptions',
                'ordering': ['user_id', 'scope', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('scope', 'all')), fields=('user',), name='report_subscription_all_once'), models.UniqueConstraint(condition=models.Q(('scope', 'branch')), fields=('user', 'branch'), name='report_subscription_branch_once'), models.UniqueConstraint(condition=models.Q(('scope', 'team')), fields=('user', 'team'), name='report_subscription_team_once'), models.CheckConstraint(condition=models.Q(models.Q(('branch__isnull', True), ('scope', 'all'), ('team__isnull', True)), models.Q(('branch__isnull', False), ('scope', 'branch'), ('team__isnull', True)), models.Q(('branch__isnull', True), ('scope', 'team'), ('team__isnull', False)), _connector='OR'), name='report_subscription_scope')],
            },
        ),
    ]
