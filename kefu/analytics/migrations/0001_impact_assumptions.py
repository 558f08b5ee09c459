# The impact panel's assumptions (one row)

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImpactAssumptions',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tell', models.FloatField(default=10, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1000)], verbose_name='People a dissatisfied customer tells')),
                ('loud_share', models.FloatField(default=0.2, help_text='A share between 0 and 1 (0.2 = 20%).', validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(1)], verbose_name='Share of dissatisfied customers who tell more')),
                ('loud_tell', models.FloatField(default=20, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(10000)], verbose_name='People those customers tell')),
                ('complain_share', models.FloatField(default=0.04, help_text='A share between 0 and 1 (0.2 = 20%).', validators=[django.core.validators.MinValueValidator(0.0001), django.core.validators.MaxValueValidator(1)], verbose_name='Share of dissatisfied customers who complain')),
                ('silent_leave_share', models.FloatField(default=0.81, help_text='A share between 0 and 1 (0.2 = 20%).', validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(1)], verbose_name='Share of silent dissatisfied customers who leave')),
                ('repair', models.FloatField(default=12, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1000)], verbose_name='Good experiences that repair one bad one')),
                ('acquisition_multiple', models.FloatField(default=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1000)], verbose_name='A new customer costs this many times keeping one')),
                ('keep_cost', models.DecimalField(blank=True, decimal_places=2, help_text='Optional: the panel then shows the cost of replacing lost customers in money.', max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='Cost of keeping one customer')),
                ('currency', models.CharField(default='CNY', max_length=3, verbose_name='Currency')),
                ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='Updated')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Updated by')),
            ],
            options={
                'verbose_name': 'Impact assumptions',
                'verbose_name_plural': 'Impact assumptions',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='impact_assumptions_single')],
            },
        ),
    ]
