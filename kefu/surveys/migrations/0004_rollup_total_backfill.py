# Fill RollupTotal from the Rollup rows already stored (each total row is the sum of the
# Rollup rows it covers); reversed by emptying it. Plain SQL that SQLite and PostgreSQL share.

from django.db import migrations

SUMS = 'SUM("count"), SUM("total"), SUM("total_sq")'
ITEM = 'instrument_id, period, question_id, dimension, "column", "option"'
INSERT = ('INSERT INTO surveys_rolluptotal (instrument_id, grain, period, question_id, '
          'dimension, "column", "option", branch_id, team_id, tier_id, agent_id, "count", '
          '"total", "total_sq")')

FILL = [
    # grain 0: every slice summed
    f'{INSERT} SELECT instrument_id, 0, period, question_id, dimension, "column", "option", '
    f'0, 0, 0, 0, {SUMS} FROM surveys_rollup GROUP BY {ITEM}',
    # grain 1: per branch × team × agent
    f'{INSERT} SELECT instrument_id, 1, period, question_id, dimension, "column", "option", '
    f'branch_id, team_id, 0, agent_id, {SUMS} FROM surveys_rollup '
    f'GROUP BY {ITEM}, branch_id, team_id, agent_id',
    # grain 2: per branch × team × tier × agent
    f'{INSERT} SELECT instrument_id, 2, period, question_id, dimension, "column", "option", '
    f'branch_id, team_id, tier_id, agent_id, {SUMS} FROM surveys_rollup '
    f'GROUP BY {ITEM}, branch_id, team_id, tier_id, agent_id',
]


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0003_rollup_total'),
    ]

    operations = [
        migrations.RunSQL(FILL, reverse_sql=["DELETE FROM surveys_rolluptotal"]),
    ]
