"""The raw event table stays created by 0001's RunSQL (partitioned by day),
but Django now counts it as its own: ``flush`` (and every transactional
test's clean-up) truncates it with the other tables. No database change."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0101_feedback_and_requests_name_a_shipment"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="event",
            options={},
        ),
    ]
