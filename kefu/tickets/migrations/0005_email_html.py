# Columns only: nullable text, so adding them rewrites no table (SQLite: ALTER TABLE ADD
# COLUMN; PostgreSQL: no default to fill in).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0004_sla_due_times'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='description_html',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='body_html',
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='quoted_text',
            field=models.TextField(blank=True, null=True),
        ),
    ]
