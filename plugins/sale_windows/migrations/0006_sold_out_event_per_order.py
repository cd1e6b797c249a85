import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("order", "0083_merge_20200421_0529"),
        ("sale_windows", "0005_voucher_sales"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="flashsaleevent",
            name="flash_one_item_event",
        ),
        migrations.AddField(
            model_name="flashsaleevent",
            name="order",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="order.Order",
            ),
        ),
        migrations.AddConstraint(
            model_name="flashsaleevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(item__isnull=False),
                fields=("item", "kind", "order"),
                name="flash_one_item_event_per_order",
            ),
        ),
    ]
